-- What detectors train on: one row per app with the label, its time, the three feature sets and two
-- descriptive columns for per-family / per-category reports (MalFamily, Categories: never features).
-- Nothing else from the VirusTotal metadata (Scanners, Detection_Ratio, TimesSubmitted, NrContactedIps)
-- is selected: those leak the label or do not exist for a new app. The schema test enforces it.
{{ config(materialized='table', key='sha256') }}
SELECT
  a.sha256,
  a.event_timestamp,
  a."Malware",
  a."MalFamily",
  a."Categories",
  {{ columns('syscalls', prefix='s.') }},
  s.syscall_total, s.syscall_distinct,
  s.syscall_file_calls, s.syscall_network_calls, s.syscall_memory_calls, s.syscall_process_calls,
  s.syscall_file_share, s.syscall_network_share, s.syscall_memory_share, s.syscall_process_share,
  {{ columns('permissions', prefix='p.') }},
  {{ columns('permission_aggregates', prefix='p.') }},
  p.perm_flags_total, p.perm_flags_dangerous, p.perm_dangerous_share,
  {{ columns('static_aggregates', prefix='st.') }},
  st.apk_compression_ratio, st.intent_actions_total
FROM {{ ref('stg_kronodroid__apps') }} AS a
JOIN {{ ref('syscall_features') }} AS s ON s.sha256 = a.sha256
JOIN {{ ref('permission_features') }} AS p ON p.sha256 = a.sha256
JOIN {{ ref('static_features') }} AS st ON st.sha256 = a.sha256
