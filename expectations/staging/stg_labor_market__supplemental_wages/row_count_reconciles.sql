-- row count reconciles: every raw.supplemental_wages row is in staging (a 1:1 view of raw that must not filter)
select staged_rows, raw_rows
from (
    select
        (select count(*) from {batch}) as staged_rows,
        (select count(*) from raw.supplemental_wages) as raw_rows
) counts
where staged_rows <> raw_rows
