-- One row per WIOA period of participation with an exit, periods by the 90-day rule
-- (int_participation_periods); outcome rules in int_exit_outcomes.
with exits as (

    select * from {{ ref('int_participation_exits') }}

),

outcomes as (

    select * from {{ ref('int_exit_outcomes') }}
    where episode_type = 'participation'

),

common_exits as (

    select participation_id, common_exit_id, common_exit_date
    from {{ ref('int_common_exits') }}

)

select
    cast(exits.participation_id as {{ dbt.type_string() }}) as participation_id,
    cast(exits.participant_key as {{ dbt.type_string() }}) as participant_key,
    cast(exits.funding_stream as {{ dbt.type_string() }}) as funding_stream,
    cast(exits.lwda_code as {{ dbt.type_string() }}) as lwda_code,
    cast(exits.entry_date as date) as entry_date,
    cast(exits.exit_date as date) as exit_date,
    cast(outcomes.exit_quarter as {{ dbt.type_string() }}) as exit_quarter,
    cast(outcomes.exit_program_year as {{ dbt.type_int() }}) as exit_program_year,
    cast(exits.is_excluded as {{ dbt.type_boolean() }}) as is_excluded,
    cast(outcomes.employed_q2 as {{ dbt.type_boolean() }}) as employed_q2,
    cast(outcomes.employed_q4 as {{ dbt.type_boolean() }}) as employed_q4,
    cast(outcomes.earnings_q2 as decimal(14, 2)) as earnings_q2,
    cast(outcomes.pre_program_earnings as decimal(14, 2)) as pre_program_earnings,
    cast(outcomes.in_credential_cohort as {{ dbt.type_boolean() }}) as in_credential_cohort,
    cast(outcomes.credential_attained as {{ dbt.type_boolean() }}) as credential_attained,
    cast(outcomes.retained_same_employer as {{ dbt.type_boolean() }}) as retained_same_employer,
    cast(exits.exit_reason as {{ dbt.type_string() }}) as exit_reason,
    cast(exits.age_at_entry as {{ dbt.type_int() }}) as age_at_entry,
    cast(exits.merged_participation_ids as {{ dbt.type_string() }}) as merged_participation_ids,
    cast(exits.merged_period_count as {{ dbt.type_int() }}) as merged_period_count,
    cast(common_exits.common_exit_id as {{ dbt.type_string() }}) as common_exit_id,
    cast(common_exits.common_exit_date as date) as common_exit_date,
    -- issue 16: where employment evidence came from ('ui' and/or interstate, federal, military,
    -- supplemental), the supplemental share of earnings_q2, and the Youth outcome
    cast(outcomes.employment_source_q2 as {{ dbt.type_string() }}) as employment_source_q2,
    cast(outcomes.employment_source_q4 as {{ dbt.type_string() }}) as employment_source_q4,
    cast(outcomes.supplemental_earnings_q2 as decimal(14, 2)) as supplemental_earnings_q2,
    cast(case when exits.funding_stream = 'youth' then outcomes.education_employment_q2 end
         as {{ dbt.type_boolean() }}) as education_employment_q2,
    cast(case when exits.funding_stream = 'youth' then outcomes.education_employment_q4 end
         as {{ dbt.type_boolean() }}) as education_employment_q4
from exits
inner join outcomes
    on outcomes.source_id = exits.participation_id
left join common_exits
    on common_exits.participation_id = exits.participation_id
