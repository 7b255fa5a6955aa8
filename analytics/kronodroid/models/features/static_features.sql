-- Static features per app, from the APK: sizes, files, components and intent filters as the dataset
-- has them, plus the compression ratio (compressed / uncompressed size) and all intent-filter actions.
{{ config(materialized='table', key='sha256') }}
SELECT
  sha256,
  event_timestamp,
  {{ columns('static_aggregates') }},
  CAST("CFileSize" AS DOUBLE) / NULLIF("UFileSize", 0) AS apk_compression_ratio,
  COALESCE("NrIntServicesActions", 0) + COALESCE("NrIntActivitiesActions", 0) + COALESCE("NrIntReceiversActions", 0) AS intent_actions_total
FROM {{ ref('stg_kronodroid__apps') }}
