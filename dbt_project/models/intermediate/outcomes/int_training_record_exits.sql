-- Provider training records that have ended (completed or withdrew): the student exits
-- on completion_date, entry = enrollment_date (mart.md, rpt_provider_scorecard).
-- Wages are found through the SSN on the record, else through the job-center participant
-- the record links to by name + date of birth (used only when that link names one SSN).
with records as (

    select * from {{ ref('stg_providers__training_records') }}
    where completion_date is not null
      and completion_status in ('completed', 'withdrew')

),

participant_ssn_by_name_dob as (

    select name_dob_key, min(ssn_key) as ssn_key
    from {{ ref('stg_job_center__participants') }}
    where ssn_key is not null and name_dob_key is not null
    group by name_dob_key
    having count(distinct ssn_key) = 1

)

select
    records.record_id,
    records.program_id,
    records.participant_key,
    coalesce(records.ssn_key, participant_ssn_by_name_dob.ssn_key) as wage_key,
    records.enrollment_date,
    records.completion_date,
    records.completion_status,
    records.credential_type,
    records.credential_date,
    records.age_at_enrollment
from records
left join participant_ssn_by_name_dob
    on records.ssn_key is null
   and participant_ssn_by_name_dob.name_dob_key = records.name_dob_key
