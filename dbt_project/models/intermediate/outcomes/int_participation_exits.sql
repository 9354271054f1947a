-- WIOA periods of participation (by the 90-day rule, int_participation_periods) that have
-- an exit, with who they belong to, whether they count for performance, and whether they
-- are in the credential cohort. participation_id is the period's id (its first feed period).
with periods as (

    select * from {{ ref('int_participation_periods') }}
    where period_member_number = 1
      and period_exit_date is not null

),

participants as (

    select individual_id, participant_key, ssn_key
    from {{ ref('stg_job_center__participants') }}

),

exclusions as (

    -- PIRL 923 codes by the programs they exclude (TEGL 10-16 Change 3, Attachment 2):
    -- 05 foster care excludes Youth only; 06 applies to Vocational Rehabilitation only.
    select exit_reason, funding_stream
    from {{ ref('pirl_exit_reason_exclusions') }}

),

credential_cohort as (

    -- mart.md: had a `training` service whose training_type is not ojt or customized, in any
    -- feed period of the period. A training service without a training_type still counts.
    select distinct members.period_id
    from {{ ref('stg_job_center__services') }} as services
    inner join {{ ref('int_participation_periods') }} as members
        on members.participation_id = services.participation_id
    where services.service_type = 'training'
      and coalesce(services.training_type, '') not in ('ojt', 'customized')

)

select
    periods.period_id as participation_id,
    periods.individual_id,
    participants.participant_key,
    -- Wages are matched by SSN only: no SSN, no wage records.
    participants.ssn_key as wage_key,
    periods.funding_stream,
    periods.lwda_code,
    periods.period_entry_date as entry_date,
    periods.period_exit_date as exit_date,
    periods.period_exit_reason as exit_reason,
    exclusions.exit_reason is not null as is_excluded,
    periods.age_at_entry,
    -- Wagner-Peyser (title III) is subject to employment Q2/Q4, median earnings and effectiveness in
    -- serving employers only (WIOA sec. 116(b)(2)(A)(iii)): never in the credential cohort
    credential_cohort.period_id is not null and coalesce(periods.funding_stream <> 'wagner_peyser', true)
        as in_credential_cohort,
    periods.merged_participation_ids,
    periods.period_member_count as merged_period_count
from periods
left join participants
    on participants.individual_id = periods.individual_id
left join exclusions
    on exclusions.exit_reason = periods.period_exit_reason
   and exclusions.funding_stream = periods.funding_stream
left join credential_cohort
    on credential_cohort.period_id = periods.period_id
