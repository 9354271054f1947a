-- row counts reconcile: every exit in staging (a period with an exit_date) is a row of
-- fct_exit_outcomes, and every row is such an exit
select
    coalesce(f.participation_id, s.participation_id) as participation_id,
    case when f.participation_id is null then 'missing from fct_exit_outcomes'
         else 'not an exit in staging' end as reconciliation
from {batch} f
full outer join (
    select participation_id from staging.stg_job_center__participation where exit_date is not null
) s on s.participation_id = f.participation_id
where f.participation_id is null or s.participation_id is null
