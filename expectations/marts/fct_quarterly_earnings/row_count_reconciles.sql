-- row counts reconcile: one row per staged wage quarter of a participant
select mart_rows, staged_person_quarters
from (
    select
        (select count(*) from {batch}) as mart_rows,
        (select count(*) from (
            select distinct participant_key, year, quarter
            from staging.stg_labor_market__wage_records
            where participant_key in (select participant_key from staging.stg_job_center__participants)
        ) person_quarters) as staged_person_quarters
) counts
where mart_rows <> staged_person_quarters
