-- Every exit that outcomes are computed for, in one shape, so the outcome rules exist
-- once (int_exit_outcomes): WIOA exits (fct_exit_outcomes), common exits of co-enrolled
-- people (int_common_exits: the funding_stream = 'all' rows and the retention indicator of
-- the reports) and provider training-record exits (rpt_provider_scorecard).
select
    cast('participation:' || participation_id as {{ dbt.type_string() }}) as exit_episode_id,
    cast('participation' as {{ dbt.type_string() }}) as episode_type,
    participation_id as source_id,
    participant_key,
    wage_key,
    entry_date,
    exit_date,
    in_credential_cohort,
    youth_placement_q2,
    youth_placement_q4,
    postsecondary_enrollment_date
from {{ ref('int_participation_exits') }}

union all

select distinct
    cast('common_exit:' || common_exit_id as {{ dbt.type_string() }}) as exit_episode_id,
    cast('common_exit' as {{ dbt.type_string() }}) as episode_type,
    common_exit_id as source_id,
    participant_key,
    common_wage_key as wage_key,
    common_entry_date as entry_date,
    common_exit_date as exit_date,
    common_in_credential_cohort as in_credential_cohort,
    common_youth_placement_q2 as youth_placement_q2,
    common_youth_placement_q4 as youth_placement_q4,
    common_postsecondary_enrollment_date as postsecondary_enrollment_date
from {{ ref('int_common_exits') }}

union all

select
    cast('training_record:' || record_id as {{ dbt.type_string() }}) as exit_episode_id,
    cast('training_record' as {{ dbt.type_string() }}) as episode_type,
    record_id as source_id,
    participant_key,
    wage_key,
    enrollment_date as entry_date,
    completion_date as exit_date,
    -- every provider student is in training: the whole exit cohort is the credential cohort
    true as in_credential_cohort,
    cast(null as {{ dbt.type_int() }}) as youth_placement_q2,
    cast(null as {{ dbt.type_int() }}) as youth_placement_q4,
    cast(null as date) as postsecondary_enrollment_date
from {{ ref('int_training_record_exits') }}
