-- row counts reconcile: every exit in staging appears once in fct_exit_outcomes: it belongs to one period of participation (the 90-day
-- rule: intermediate.int_participation_periods) that is a row of fct_exit_outcomes, unless a later
-- re-entry keeps that period active; and every row is such an exited period
select
    coalesce(f.participation_id, s.period_id, s.participation_id) as participation_id,
    case when s.participation_id is not null and s.period_id is null then 'exit in staging without a period'
         when f.participation_id is null then 'missing from fct_exit_outcomes'
         else 'not an exited period in staging' end as reconciliation
from {batch} f
full outer join (
    select e.participation_id, p.period_id
    from staging.stg_job_center__participation e
    left join intermediate.int_participation_periods p on p.participation_id = e.participation_id
    where e.exit_date is not null and (p.period_id is null or p.period_exit_date is not null)
) s on s.period_id = f.participation_id
where f.participation_id is null or s.participation_id is null or s.period_id is null
