-- Staging: one typed row per app (sha256) from the raw lake table.
--  * every column cast to its lake type; Package trimmed of the spaces, tabs and newlines the CSVs carry;
--  * dates on or before 1980-01-01 (the archives' "unknown" sentinel) become NULL;
--  * event_timestamp = Highest-date, else HighestModDate, else LastModDate (NULL when none is usable:
--    the warn-level not_null test on it reports how many);
--  * duplicates by sha256 keep one row: the latest event_timestamp, then the first by source file and row.
-- The leaking VirusTotal metadata stays here for reports; the feature models never select it.
{{ config(materialized='table', key='sha256') }}
WITH typed AS (
  SELECT
    LOWER(TRIM(CAST(sha256 AS VARCHAR))) AS sha256,
    NULLIF(TRIM(REPLACE(REPLACE(REPLACE(CAST("Package" AS VARCHAR), CHR(13), ' '), CHR(10), ' '), CHR(9), ' ')), '') AS "Package",
    CAST("Malware" AS INTEGER) AS "Malware",
    {{ columns('syscalls', cast='true') }},
    {{ columns('permissions', cast='true') }},
    {{ columns('permission_aggregates', cast='true') }},
    {{ columns('static_aggregates', cast='true') }},
    CAST("TimesSubmitted" AS BIGINT) AS "TimesSubmitted",
    CAST("NrContactedIps" AS BIGINT) AS "NrContactedIps",
    CAST("Scanners" AS BIGINT) AS "Scanners",
    CAST("Detection_Ratio" AS DOUBLE) AS "Detection_Ratio",
    NULLIF(TRIM(CAST("MalFamily" AS VARCHAR)), '') AS "MalFamily",
    NULLIF(TRIM(CAST("Categories" AS VARCHAR)), '') AS "Categories",
    CASE WHEN CAST("EarliestModDate" AS DATE) > DATE '1980-01-01' THEN CAST("EarliestModDate" AS DATE) END AS "EarliestModDate",
    CASE WHEN CAST("HighestModDate" AS DATE) > DATE '1980-01-01' THEN CAST("HighestModDate" AS DATE) END AS "HighestModDate",
    CASE WHEN CAST("FirstModDate" AS DATE) > DATE '1980-01-01' THEN CAST("FirstModDate" AS DATE) END AS "FirstModDate",
    CASE WHEN CAST("LastModDate" AS DATE) > DATE '1980-01-01' THEN CAST("LastModDate" AS DATE) END AS "LastModDate",
    CASE WHEN CAST("Highest-date" AS DATE) > DATE '1980-01-01' THEN CAST("Highest-date" AS DATE) END AS "Highest-date",
    CASE WHEN CAST("year_month" AS DATE) > DATE '1980-01-01' THEN CAST("year_month" AS DATE) END AS "year_month",
    CAST("Year" AS INTEGER) AS "Year",
    CAST("_layout" AS VARCHAR) AS "_layout",
    CAST("_source" AS VARCHAR) AS "_source"
  FROM {{ source('kronodroid', 'raw') }}
  WHERE sha256 IS NOT NULL
),

dated AS (
  SELECT
    typed.*,
    CAST(COALESCE("Highest-date", "HighestModDate", "LastModDate") AS TIMESTAMP) AS event_timestamp
  FROM typed
),

ranked AS (
  SELECT
    dated.*,
    ROW_NUMBER() OVER (PARTITION BY sha256 ORDER BY event_timestamp DESC NULLS LAST, "_source", "Package") AS dedup_rank
  FROM dated
)

SELECT
  sha256,
  "Package",
  "Malware",
  event_timestamp,
  {{ columns('syscalls') }},
  {{ columns('permissions') }},
  {{ columns('permission_aggregates') }},
  {{ columns('static_aggregates') }},
  "TimesSubmitted", "NrContactedIps", "Scanners", "Detection_Ratio", "MalFamily", "Categories",
  "EarliestModDate", "HighestModDate", "FirstModDate", "LastModDate", "Highest-date", "year_month", "Year",
  "_layout", "_source"
FROM ranked
WHERE dedup_rank = 1
