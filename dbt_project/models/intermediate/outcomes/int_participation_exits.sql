-- WIOA periods of participation (by the 90-day rule, int_participation_periods) that have
-- an exit, with who they belong to, whether they count for performance, and whether they
-- are in the credential cohort. participation_id is the period's id (its first feed period).
with periods as (

    select * from {{ ref('int_participation_periods') }}
    where period_member_number = 1
      and period_exit_date is not null

),

participants as (

    select individual_id, participant_key, ssn_key, school_status_at_entry
    from {{ ref('stg_job_center__participants') }}

),

period_fields as (

    -- issue 16's case-record fields of the feed periods a period is made of: the Youth
    -- placement in education or training in Q2 / Q4 after exit (PIRL 1900, 1901; 0 none,
    -- 1 occupational skills training, 2 postsecondary education, 3 secondary education), the
    -- enrolment in postsecondary education or training after exit (the diploma rule), and the
    -- enrolment in education or training during participation (PIRL 1811)
    -- (the placements are the exit record's: the period's last feed period)
    select
        members.period_id,
        max(case when members.period_member_number = members.period_member_count
                 then p.youth_placement_q2 end) as youth_placement_q2,
        max(case when members.period_member_number = members.period_member_count
                 then p.youth_placement_q4 end) as youth_placement_q4,
        min(p.postsecondary_enrollment_date) as postsecondary_enrollment_date,
        min(p.education_training_enrollment_date) as education_training_enrollment_date
    from {{ ref('int_participation_periods') }} as members
    inner join {{ ref('stg_job_center__participation') }} as p
        on p.participation_id = members.participation_id
    group by members.period_id

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
    -- Youth (TEGL 10-16 Change 2, credential attainment): every in-school youth (PIRL 1401
    -- school status at entry 1-3), and out-of-school youth in education or occupational
    -- skills training (a training service, or an enrolment in education or training, PIRL 1811)
    (credential_cohort.period_id is not null
     or (periods.funding_stream = 'youth'
         and (coalesce(participants.school_status_at_entry in (1, 2, 3), false)
              or period_fields.education_training_enrollment_date is not null)))
    and coalesce(periods.funding_stream <> 'wagner_peyser', true)
        as in_credential_cohort,
    period_fields.youth_placement_q2,
    period_fields.youth_placement_q4,
    period_fields.postsecondary_enrollment_date,
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
left join period_fields
    on period_fields.period_id = periods.period_id
