-- Provider training records that have ended (completed or withdrew): the student exits
-- on completion_date, entry = enrollment_date (mart.md, rpt_provider_scorecard).
-- wage_key (how the student's wages are found) comes from int_training_record_linkage.
with records as (

    select * from {{ ref('stg_providers__training_records') }}
    where completion_date is not null
      and completion_status in ('completed', 'withdrew')

),

linkage as (

    select record_id, wage_key
    from {{ ref('int_training_record_linkage') }}

)

select
    records.record_id,
    records.program_id,
    records.participant_key,
    linkage.wage_key,
    records.enrollment_date,
    records.completion_date,
    records.completion_status,
    records.credential_type,
    records.credential_date,
    records.age_at_enrollment
from records
left join linkage
    on linkage.record_id = records.record_id
