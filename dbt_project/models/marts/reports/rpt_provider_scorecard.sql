-- ETA-9171-style program scorecard: one row per program and program year, over every
-- student in the provider feed, WIOA-funded or not. A student exits on the completion_date
-- of the training record (completed or withdrew); outcomes follow the fct_exit_outcomes
-- rules (int_exit_outcomes) with entry = enrollment_date. What an exiter is, what each value
-- counts and how it is shown: macros/scorecard.sql (shared with rpt_provider_scorecard_pooled).
with exits as (

    {{ scorecard_exits(ref('int_training_record_exits'), ref('int_exit_outcomes')) }}

),

exit_stats as (

    select
        program_id,
        exit_program_year,
        {{ scorecard_exit_aggregates() }}
    from exits
    group by program_id, exit_program_year

),

enrollments as (

    select
        program_id,
        {{ program_year('enrollment_date') }} as exit_program_year,
        count(*) as enrolled
    from {{ ref('stg_providers__training_records') }}
    where enrollment_date is not null
    group by program_id, {{ program_year('enrollment_date') }}

),

program_years as (

    select program_id, exit_program_year from exit_stats
    union
    select program_id, exit_program_year from enrollments

),

joined as (

    select
        program_years.program_id,
        program_years.exit_program_year,
        programs.provider_id,
        programs.program_name,
        providers.provider_name,
        programs.tuition_cost,
        coalesce(enrollments.enrolled, 0) as enrolled,
        {{ scorecard_counts('exit_stats') }}
    from program_years
    left join exit_stats
        on exit_stats.program_id = program_years.program_id
       and exit_stats.exit_program_year = program_years.exit_program_year
    left join enrollments
        on enrollments.program_id = program_years.program_id
       and enrollments.exit_program_year = program_years.exit_program_year
    left join {{ ref('stg_providers__programs') }} as programs
        on programs.program_id = program_years.program_id
    left join {{ ref('stg_providers__providers') }} as providers
        on providers.provider_id = programs.provider_id

),

suppressed as (

    select
        *,
        -- Each value is withheld for a small group: completed and completion_rate when exiters
        -- are below the threshold, an outcome when its (non-zero) denominator is. A zero
        -- denominator means "not known yet", not suppressed.
        {%- for value, denominator, additive in scorecard_withheld_values() %}
        {{ scorecard_primary_withheld(value, denominator) }} as {{ value }}_withheld,
        {%- endfor %}
        -- every value withheld: fewer exiters than the threshold (each outcome's denominator is
        -- at most the exiters, so it is withheld or not known yet)
        {{ is_suppressed('exiters') }} as is_suppressed
    from joined

)

select
    cast(program_id as {{ dbt.type_string() }}) as program_id,
    cast(exit_program_year as {{ dbt.type_int() }}) as exit_program_year,
    cast(provider_id as {{ dbt.type_string() }}) as provider_id,
    cast(enrolled as {{ dbt.type_bigint() }}) as enrolled,
    {{ scorecard_value_columns() }},
    cast(is_suppressed as {{ dbt.type_boolean() }}) as is_suppressed,
    {{ scorecard_flag_columns() }},
    cast(program_name as {{ dbt.type_string() }}) as program_name,
    cast(provider_name as {{ dbt.type_string() }}) as provider_name
from suppressed
