-- The exits the WIOA indicator reports count, in two scopes (macros/performance.sql rolls
-- them up):
-- - scope 'program': each non-excluded exit of a program (int_participation_exits), for the
--   per-program rows of every indicator but retention;
-- - scope 'common': each common exit (int_common_exits), once per program and area it has a
--   non-excluded exit in, for the funding_stream = 'all' rows and for the retention
--   indicator (a person counts once per common exit there).
-- Outcomes come from int_exit_outcomes (the common exit's own when scope = 'common').
with outcomes as (

    select * from {{ ref('int_exit_outcomes') }}
    where episode_type in ('participation', 'common_exit')

),

program_exits as (

    select
        cast('program' as {{ dbt.type_string() }}) as scope,
        exits.participation_id as unit_id,
        exits.funding_stream,
        exits.lwda_code,
        exits.participant_key,
        exits.age_at_entry,
        cast('participation:' || exits.participation_id as {{ dbt.type_string() }}) as exit_episode_id
    from {{ ref('int_participation_exits') }} as exits
    where not exits.is_excluded

),

common_exits as (

    select
        cast('common' as {{ dbt.type_string() }}) as scope,
        members.common_exit_id as unit_id,
        members.funding_stream,
        members.lwda_code,
        members.participant_key,
        members.common_age_at_entry as age_at_entry,
        cast('common_exit:' || members.common_exit_id as {{ dbt.type_string() }}) as exit_episode_id
    from {{ ref('int_common_exits') }} as members
    where not members.is_excluded

),

units as (

    select * from program_exits
    union all
    select * from common_exits

)

select
    units.scope,
    units.unit_id,
    coalesce(units.funding_stream, 'unknown') as funding_stream,
    coalesce(units.lwda_code, 'unknown') as lwda_code,
    units.participant_key,
    units.age_at_entry,
    outcomes.exit_date,
    outcomes.exit_quarter_index,
    outcomes.exit_program_year,
    outcomes.is_q2_known,
    outcomes.is_q4_known,
    outcomes.in_credential_cohort,
    outcomes.employed_q2,
    outcomes.employed_q4,
    outcomes.earnings_q2,
    outcomes.credential_attained,
    outcomes.retained_same_employer,
    -- the Youth education-or-employment indicators count title I Youth program exits only
    units.scope = 'program' and units.funding_stream = 'youth' as is_youth_exit,
    case when units.scope = 'program' and units.funding_stream = 'youth'
         then outcomes.education_employment_q2 end as education_employment_q2,
    case when units.scope = 'program' and units.funding_stream = 'youth'
         then outcomes.education_employment_q4 end as education_employment_q4
from units
inner join outcomes
    on outcomes.exit_episode_id = units.exit_episode_id
