-- System-call features per app: the 289 strace counts as captured (nr_syscalls is the dataset's own
-- total), plus our totals over the 288 individual calls and the share of four call families
-- (file, network, memory, process; defined in column_groups.yml). Shares are NULL when an app made no call.
{{ config(materialized='table', key='sha256') }}
WITH counted AS (
  SELECT
    sha256,
    event_timestamp,
    {{ columns('syscalls') }},
    {{ sum('syscall_calls') }} AS syscall_total,
    {{ count_nonzero('syscall_calls') }} AS syscall_distinct,
    {{ sum('syscall_family_file') }} AS syscall_file_calls,
    {{ sum('syscall_family_network') }} AS syscall_network_calls,
    {{ sum('syscall_family_memory') }} AS syscall_memory_calls,
    {{ sum('syscall_family_process') }} AS syscall_process_calls
  FROM {{ ref('stg_kronodroid__apps') }}
)

SELECT
  counted.*,
  CAST(syscall_file_calls AS DOUBLE) / NULLIF(syscall_total, 0) AS syscall_file_share,
  CAST(syscall_network_calls AS DOUBLE) / NULLIF(syscall_total, 0) AS syscall_network_share,
  CAST(syscall_memory_calls AS DOUBLE) / NULLIF(syscall_total, 0) AS syscall_memory_share,
  CAST(syscall_process_calls AS DOUBLE) / NULLIF(syscall_total, 0) AS syscall_process_share
FROM counted
