-- Permission features per app: the 166 requested-permission flags and the dataset's counts by
-- protection level (normal, dangerous, signature, custom = nr_custom / custom_yes, total = total_perm,
-- nr_permissions), which also cover permissions outside the 166 flags. Added: how many of the 166
-- flags are set, how many of those are Android "dangerous" ones, and the dangerous share of all.
{{ config(materialized='table', key='sha256') }}
SELECT
  sha256,
  event_timestamp,
  {{ columns('permissions') }},
  {{ columns('permission_aggregates') }},
  {{ sum('permissions') }} AS perm_flags_total,
  {{ sum('permission_dangerous') }} AS perm_flags_dangerous,
  CAST("dangerous" AS DOUBLE) / NULLIF("total_perm", 0) AS perm_dangerous_share
FROM {{ ref('stg_kronodroid__apps') }}
