-- ETA-9171-style program scorecard: one row per program and program year, over every
-- student in the provider feed, WIOA-funded or not. A student exits on the completion_date
-- of the training record (completed or withdrew); outcomes follow the fct_exit_outcomes
-- rules (int_exit_outcomes) with entry = enrollment_date.
with exits as (

    select
        records.program_id,
        outcomes.exit_program_year,
        records.completion_status,
        outcomes.employed_q2,
        outcomes.employed_q4,
        outcomes.earnings_q2,
        outcomes.credential_attained,
        outcomes.retained_same_employer,
        outcomes.pre_program_earnings,
        -- the Youth education-or-employment indicators are not provider outcomes (not published here)
        cast(null as {{ dbt.type_boolean() }}) as education_employment_q2,
        cast(null as {{ dbt.type_boolean() }}) as education_employment_q4
    from {{ ref('int_training_record_exits') }} as records
    inner join {{ ref('int_exit_outcomes') }} as outcomes
        on outcomes.episode_type = 'training_record'
       and outcomes.source_id = records.record_id

),

exit_stats as (

    select
        program_id,
        exit_program_year,
        count(*) as exiters,
        count(case when completion_status = 'completed' then 1 end) as completed,
        {{ wioa_indicator_aggregates() }},
        count(pre_program_earnings) as pre_program_earnings__denominator,
        {{ median('pre_program_earnings') }} as pre_program_earnings__median
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
        coalesce(exit_stats.exiters, 0) as exiters,
        exit_stats.completed,
        coalesce(exit_stats.employment_rate_q2__numerator, 0) as q2_numerator,
        coalesce(exit_stats.employment_rate_q2__denominator, 0) as q2_denominator,
        coalesce(exit_stats.employment_rate_q4__numerator, 0) as q4_numerator,
        coalesce(exit_stats.employment_rate_q4__denominator, 0) as q4_denominator,
        exit_stats.median_earnings_q2__median as earnings_q2_median,
        coalesce(exit_stats.median_earnings_q2__denominator, 0) as earnings_q2_denominator,
        coalesce(exit_stats.credential_attainment_rate__numerator, 0) as credential_numerator,
        coalesce(exit_stats.credential_attainment_rate__denominator, 0) as credential_denominator,
        exit_stats.pre_program_earnings__median as pre_program_median,
        coalesce(exit_stats.pre_program_earnings__denominator, 0) as pre_program_denominator
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
        {{ suppress('completed', 'exiters') }} as completed_shown,
        {{ suppress(rate('completed', 'exiters'), 'exiters') }} as completion_rate,
        {{ suppress(rate('q2_numerator', 'q2_denominator'), 'q2_denominator') }} as employment_rate_q2,
        {{ suppress(rate('q4_numerator', 'q4_denominator'), 'q4_denominator') }} as employment_rate_q4,
        {{ suppress('earnings_q2_median', 'earnings_q2_denominator') }} as median_earnings_q2,
        {{ suppress(rate('credential_numerator', 'credential_denominator'), 'credential_denominator') }}
            as credential_attainment_rate,
        {{ suppress('pre_program_median', 'pre_program_denominator') }} as median_pre_program_earnings,
        -- Each value is withheld for a small group: completed and completion_rate when exiters
        -- are below the threshold, an outcome when its (non-zero) denominator is. A zero
        -- denominator means "not known yet", not suppressed.
        {{ is_suppressed('exiters') }} as completion_withheld,
        {%- for flag, den in [('employment_rate_q2', 'q2_denominator'), ('employment_rate_q4', 'q4_denominator'),
                              ('median_earnings_q2', 'earnings_q2_denominator'),
                              ('credential_attainment_rate', 'credential_denominator'),
                              ('median_pre_program_earnings', 'pre_program_denominator')] %}
        ({{ den }} > 0 and {{ is_suppressed(den) }}) as {{ flag }}_withheld,
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
    cast(completed_shown as {{ dbt.type_bigint() }}) as completed,
    cast(completion_rate as {{ type_double() }}) as completion_rate,
    cast(exiters as {{ dbt.type_bigint() }}) as exiters,
    cast(employment_rate_q2 as {{ type_double() }}) as employment_rate_q2,
    cast(employment_rate_q4 as {{ type_double() }}) as employment_rate_q4,
    cast({{ money('median_earnings_q2') }} as {{ type_double() }}) as median_earnings_q2,
    cast(credential_attainment_rate as {{ type_double() }}) as credential_attainment_rate,
    cast({{ money('median_pre_program_earnings') }} as {{ type_double() }}) as median_pre_program_earnings,
    cast({{ money(money('median_earnings_q2') ~ ' - ' ~ money('median_pre_program_earnings')) }}
         as {{ type_double() }}) as earnings_change,
    cast(tuition_cost as decimal(14, 2)) as tuition_cost,
    cast(is_suppressed as {{ dbt.type_boolean() }}) as is_suppressed,
    cast(completion_withheld as {{ dbt.type_boolean() }}) as is_completion_suppressed,
    cast(employment_rate_q2_withheld as {{ dbt.type_boolean() }}) as is_employment_rate_q2_suppressed,
    cast(employment_rate_q4_withheld as {{ dbt.type_boolean() }}) as is_employment_rate_q4_suppressed,
    cast(median_earnings_q2_withheld as {{ dbt.type_boolean() }}) as is_median_earnings_q2_suppressed,
    cast(credential_attainment_rate_withheld as {{ dbt.type_boolean() }}) as is_credential_attainment_rate_suppressed,
    cast(median_pre_program_earnings_withheld as {{ dbt.type_boolean() }}) as is_median_pre_program_earnings_suppressed,
    cast(median_earnings_q2_withheld or median_pre_program_earnings_withheld as {{ dbt.type_boolean() }})
        as is_earnings_change_suppressed,
    cast(completion_withheld or employment_rate_q2_withheld or employment_rate_q4_withheld
         or median_earnings_q2_withheld or credential_attainment_rate_withheld
         or median_pre_program_earnings_withheld as {{ dbt.type_boolean() }}) as is_any_value_suppressed,
    cast(program_name as {{ dbt.type_string() }}) as program_name,
    cast(provider_name as {{ dbt.type_string() }}) as provider_name
from suppressed
