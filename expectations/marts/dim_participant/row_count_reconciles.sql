-- row counts reconcile: one row per staged participant_key
select mart_rows, staged_participant_keys
from (
    select
        (select count(*) from {batch}) as mart_rows,
        (select count(distinct participant_key) from staging.stg_job_center__participants) as staged_participant_keys
) counts
where mart_rows <> staged_participant_keys
