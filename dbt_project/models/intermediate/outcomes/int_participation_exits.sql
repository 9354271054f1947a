-- WIOA periods of participation that have an exit, with who they belong to, whether
-- they count for performance, and whether they are in the credential cohort.
with participation as (

    select * from {{ ref('stg_job_center__participation') }}
    where exit_date is not null

),

participants as (

    select individual_id, participant_key, ssn_key
    from {{ ref('stg_job_center__participants') }}

),

credential_cohort as (

    -- mart.md: had a `training` service whose training_type is not ojt or customized.
    -- A training service without a training_type still counts as training.
    select distinct participation_id
    from {{ ref('stg_job_center__services') }}
    where service_type = 'training'
      and coalesce(training_type, '') not in ('ojt', 'customized')

)

select
    participation.participation_id,
    participation.individual_id,
    participants.participant_key,
    -- Wages are matched by SSN only: no SSN, no wage records.
    participants.ssn_key as wage_key,
    participation.funding_stream,
    participation.lwda_code,
    participation.entry_date,
    participation.exit_date,
    participation.exit_reason,
    coalesce(participation.exit_reason in ('01', '02', '03', '04', '05', '06'), false) as is_excluded,
    participation.age_at_entry,
    credential_cohort.participation_id is not null as in_credential_cohort
from participation
left join participants
    on participants.individual_id = participation.individual_id
left join credential_cohort
    on credential_cohort.participation_id = participation.participation_id
