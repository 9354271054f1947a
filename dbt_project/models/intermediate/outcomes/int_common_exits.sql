-- The common exit policy, in one place. A person co-enrolled in several core programs exits
-- all of them together, once 90 days pass without a qualifying service from any of them, on
-- the last such service (20 CFR 677.150(c); TEGL 10-16 Change 3, "common exit"; the
-- programs here are title I Adult, Dislocated Worker and Youth and title III
-- Wagner-Peyser). So a person's periods of participation (int_participation_periods, any
-- program) that overlap, or start at most 90 days after the latest exit before them, form
-- one common exit dated at their latest exit; while any of them is active there is none yet.
-- Reports count a person once per common exit in funding_stream = 'all' rows and in the
-- retention indicator (Effectiveness in Serving Employers is shared by all programs and
-- unduplicated: 89 FR 13814); per-program rows keep counting each program's exit.
-- One row per exit (int_participation_exits) that belongs to a common exit.
with periods as (

    select
        period_id,
        person_key,
        period_entry_date as entry_date,
        period_exit_date as exit_date
    from {{ ref('int_participation_periods') }}
    where period_member_number = 1

),

ordered as (

    select
        periods.*,
        max(coalesce(exit_date, cast('9999-12-31' as date))) over (
            partition by person_key
            order by entry_date, period_id
            rows between unbounded preceding and 1 preceding
        ) as latest_exit_before
    from periods

),

clustered as (

    select
        ordered.*,
        sum(case
                when latest_exit_before is null then 1
                when entry_date > {{ dbt.dateadd('day', exit_gap_days(), 'latest_exit_before') }} then 1
                else 0
            end) over (
            partition by person_key
            order by entry_date, period_id
            rows between unbounded preceding and current row
        ) as cluster_number
    from ordered

),

numbered as (

    select
        clustered.*,
        row_number() over (partition by person_key, cluster_number order by entry_date, period_id) as cluster_order,
        max(case when exit_date is null then 1 else 0 end) over (partition by person_key, cluster_number)
            as has_active_period
    from clustered

),

firsts as (

    select person_key, cluster_number, period_id as common_exit_id
    from numbered
    where cluster_order = 1

),

members as (

    select
        exits.*,
        firsts.common_exit_id,
        numbered.cluster_order
    from numbered
    inner join firsts
        on firsts.person_key = numbered.person_key
       and firsts.cluster_number = numbered.cluster_number
    inner join {{ ref('int_participation_exits') }} as exits
        on exits.participation_id = numbered.period_id
    where numbered.has_active_period = 0

)

select
    participation_id,
    common_exit_id,
    funding_stream,
    lwda_code,
    is_excluded,
    participant_key,
    max(wage_key) over (partition by common_exit_id) as common_wage_key,
    min(entry_date) over (partition by common_exit_id) as common_entry_date,
    max(exit_date) over (partition by common_exit_id) as common_exit_date,
    -- excluded only when every program's exit is excluded for that program
    min(case when is_excluded then 1 else 0 end) over (partition by common_exit_id) = 1 as common_is_excluded,
    -- the credential cohort of a common exit: a title I exit in the cohort (never Wagner-Peyser alone)
    max(case when in_credential_cohort then 1 else 0 end) over (partition by common_exit_id) = 1
        as common_in_credential_cohort,
    -- age at the common entry: that of the first period
    max(case when cluster_order = 1 then age_at_entry end) over (partition by common_exit_id) as common_age_at_entry,
    count(*) over (partition by common_exit_id) as common_exit_program_count,
    -- issue 16: the case-record fields the outcome rules read, of any of the exits
    max(youth_placement_q2) over (partition by common_exit_id) as common_youth_placement_q2,
    max(youth_placement_q4) over (partition by common_exit_id) as common_youth_placement_q4,
    min(postsecondary_enrollment_date) over (partition by common_exit_id) as common_postsecondary_enrollment_date
from members
