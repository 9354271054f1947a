-- The WIOA indicators by population group: one row per program year of exit, funding
-- stream (with an 'all' rollup), dimension, group and indicator. Same rules and
-- suppression as rpt_wioa_performance; demographics from dim_participant.
with exits as (

    select
        f.exit_program_year,
        coalesce(f.funding_stream, 'unknown') as funding_stream,
        case p.sex when 1 then 'male' when 2 then 'female' else 'not_reported' end as sex_group,
        coalesce(p.race_ethnicity, 'not_reported') as race_ethnicity_group,
        case
            when f.age_at_entry is null then 'not_reported'
            when f.age_at_entry < 16 then '<16'
            when f.age_at_entry <= 18 then '16-18'
            when f.age_at_entry <= 24 then '19-24'
            when f.age_at_entry <= 44 then '25-44'
            when f.age_at_entry <= 54 then '45-54'
            when f.age_at_entry <= 59 then '55-59'
            else '60+'
        end as age_group,
        case p.veteran when 1 then 'yes' when 0 then 'no' else 'not_reported' end as veteran_group,
        case p.disability when 1 then 'yes' when 0 then 'no' else 'not_reported' end as disability_group,
        f.employed_q2,
        f.employed_q4,
        f.earnings_q2,
        f.credential_attained,
        f.retained_same_employer
    from {{ ref('fct_exit_outcomes') }} as f
    left join {{ ref('dim_participant') }} as p
        on p.participant_key = f.participant_key
    where not f.is_excluded

),

dimensions as (

    select 'sex' as dimension
    union all select 'race_ethnicity'
    union all select 'age_group'
    union all select 'veteran'
    union all select 'disability'

),

rollups as (

    select false as all_streams
    union all select true

),

expanded as (

    select
        exits.exit_program_year,
        case when rollups.all_streams then 'all' else exits.funding_stream end as funding_stream,
        dimensions.dimension,
        case dimensions.dimension
            when 'sex' then exits.sex_group
            when 'race_ethnicity' then exits.race_ethnicity_group
            when 'age_group' then exits.age_group
            when 'veteran' then exits.veteran_group
            when 'disability' then exits.disability_group
        end as group_value,
        exits.employed_q2,
        exits.employed_q4,
        exits.earnings_q2,
        exits.credential_attained,
        exits.retained_same_employer
    from exits
    cross join dimensions
    cross join rollups

),

aggregated as (

    select
        exit_program_year,
        funding_stream,
        dimension,
        group_value,
        {{ wioa_indicator_aggregates() }}
    from expanded
    group by exit_program_year, funding_stream, dimension, group_value

),

indicator_rows as (

    {{ wioa_indicator_rows('aggregated', ['exit_program_year', 'funding_stream', 'dimension', 'group_value']) }}

)

select
    cast(exit_program_year as {{ dbt.type_int() }}) as exit_program_year,
    cast(funding_stream as {{ dbt.type_string() }}) as funding_stream,
    cast(dimension as {{ dbt.type_string() }}) as dimension,
    cast(group_value as {{ dbt.type_string() }}) as group_value,
    cast(indicator as {{ dbt.type_string() }}) as indicator,
    cast(numerator as {{ dbt.type_bigint() }}) as numerator,
    cast(denominator as {{ dbt.type_bigint() }}) as denominator,
    cast(value as {{ type_double() }}) as value,
    cast(is_suppressed as {{ dbt.type_boolean() }}) as is_suppressed
from indicator_rows
