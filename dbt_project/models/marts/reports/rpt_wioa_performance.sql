-- WIOA primary indicators per program year of exit, funding stream and LWDA, with
-- 'all' rollups over funding streams, LWDAs and both. Non-excluded exits only; each
-- indicator counts the exits whose outcome is known (rules: macros/outcomes.sql).
with exits as (

    select
        exit_program_year,
        coalesce(funding_stream, 'unknown') as funding_stream,
        coalesce(lwda_code, 'unknown') as lwda_code,
        employed_q2,
        employed_q4,
        earnings_q2,
        credential_attained,
        retained_same_employer
    from {{ ref('fct_exit_outcomes') }}
    where not is_excluded

),

rollups as (

    select false as all_streams, false as all_areas
    union all select true, false
    union all select false, true
    union all select true, true

),

expanded as (

    select
        exits.exit_program_year,
        case when rollups.all_streams then 'all' else exits.funding_stream end as funding_stream,
        case when rollups.all_areas then 'all' else exits.lwda_code end as lwda_code,
        exits.employed_q2,
        exits.employed_q4,
        exits.earnings_q2,
        exits.credential_attained,
        exits.retained_same_employer
    from exits
    cross join rollups

),

aggregated as (

    select
        exit_program_year,
        funding_stream,
        lwda_code,
        {{ wioa_indicator_aggregates() }}
    from expanded
    group by exit_program_year, funding_stream, lwda_code

),

indicator_rows as (

    {{ wioa_indicator_rows('aggregated', ['exit_program_year', 'funding_stream', 'lwda_code']) }}

)

select
    cast(exit_program_year as {{ dbt.type_int() }}) as exit_program_year,
    cast(funding_stream as {{ dbt.type_string() }}) as funding_stream,
    cast(lwda_code as {{ dbt.type_string() }}) as lwda_code,
    cast(indicator as {{ dbt.type_string() }}) as indicator,
    cast(numerator as {{ dbt.type_bigint() }}) as numerator,
    cast(denominator as {{ dbt.type_bigint() }}) as denominator,
    cast(value as {{ type_double() }}) as value,
    cast(is_suppressed as {{ dbt.type_boolean() }}) as is_suppressed
from indicator_rows
