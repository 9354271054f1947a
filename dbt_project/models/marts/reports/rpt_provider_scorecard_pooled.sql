-- Provider scorecard pooled over years: one row per program, its exiters of the latest four exit
-- program years pooled (as TrainingProviderResults.gov pools a program's outcomes), so that a
-- program too small for a yearly row still has a publishable one. The people are pooled, not the
-- yearly values: a median is the median of the pooled people. Exiters, values and the primary
-- rule are rpt_provider_scorecard's (macros/scorecard.sql); the yearly rows stay published, so
-- a pooled value is also withheld when it would give a withheld yearly value back by
-- subtraction (macro pooled_value_withheld, macros/suppression.sql).
with exits as (

    {{ scorecard_exits(ref('int_training_record_exits'), ref('int_exit_outcomes')) }}

),

exit_years as (

    -- a year is complete once every exiter's 4th quarter after exit is in the wage feed
    -- (employed_q4 known): its outcomes will not change as wage records arrive
    select
        exit_program_year,
        count(*) = count(employed_q4) as is_complete
    from exits
    group by exit_program_year

),

ranked_years as (

    select
        exit_program_year,
        row_number() over (order by exit_program_year desc) as recency
    from exit_years
    where exit_program_year <= (
        select coalesce(max(case when is_complete then exit_program_year end), max(exit_program_year))
        from exit_years
    )

),

pooling_window as (

    -- the latest four exit program years that have exiters, ending at the latest complete one
    -- (TrainingProviderResults.gov and ETPL performance pool cohorts whose outcomes are in: a
    -- year still filling in would pool a few known outcomes and, being small, withhold the
    -- pooled values of the largest programs by the pooling rule); ending at the latest year
    -- when none is complete yet; all of them when there are fewer. The same for every program.
    select
        min(exit_program_year) as first_exit_program_year,
        max(exit_program_year) as last_exit_program_year
    from ranked_years
    where recency <= {{ scorecard_pooled_years() }}

),

window_exits as (

    select exits.*
    from exits
    inner join pooling_window
        on exits.exit_program_year between pooling_window.first_exit_program_year
                                       and pooling_window.last_exit_program_year

),

yearly as (

    -- the window's rows of rpt_provider_scorecard, counted as that model counts them
    select
        program_id,
        exit_program_year,
        {{ scorecard_exit_aggregates() }}
    from window_exits
    group by program_id, exit_program_year

),

withheld_years as (

    -- per program and value: the sum of the denominators of the window years whose yearly value
    -- rpt_provider_scorecard withholds (its primary rule)
    select
        program_id,
        {%- for value, denominator, additive in scorecard_withheld_values() if additive %}
        sum(case when {{ scorecard_primary_withheld(value, denominator) }} then {{ denominator }} else 0 end)
            as {{ value }}__withheld_years_denominator,
        {%- endfor %}
        count(*) as program_years_pooled
    from (
        select
            program_id,
            exit_program_year,
            {{ scorecard_counts('yearly') }}
        from yearly
    ) as yearly_counts
    group by program_id

),

pooled as (

    select
        program_id,
        {{ scorecard_exit_aggregates() }}
    from window_exits
    group by program_id

),

enrollments as (

    select
        records.program_id,
        count(*) as enrolled
    from {{ ref('stg_providers__training_records') }} as records
    inner join pooling_window
        on {{ program_year('records.enrollment_date') }} between pooling_window.first_exit_program_year
                                                             and pooling_window.last_exit_program_year
    where records.enrollment_date is not null
    group by records.program_id

),

programs_in_window as (

    select program_id from pooled
    union
    select program_id from enrollments

),

joined as (

    select
        programs_in_window.program_id,
        pooling_window.first_exit_program_year,
        pooling_window.last_exit_program_year,
        coalesce(withheld_years.program_years_pooled, 0) as program_years_pooled,
        programs.provider_id,
        programs.program_name,
        providers.provider_name,
        programs.tuition_cost,
        coalesce(enrollments.enrolled, 0) as enrolled,
        {%- for value, denominator, additive in scorecard_withheld_values() if additive %}
        coalesce(withheld_years.{{ value }}__withheld_years_denominator, 0) as {{ value }}__withheld_years_denominator,
        {%- endfor %}
        {{ scorecard_counts('pooled') }}
    from programs_in_window
    cross join pooling_window
    left join pooled
        on pooled.program_id = programs_in_window.program_id
    left join withheld_years
        on withheld_years.program_id = programs_in_window.program_id
    left join enrollments
        on enrollments.program_id = programs_in_window.program_id
    left join {{ ref('stg_providers__programs') }} as programs
        on programs.program_id = programs_in_window.program_id
    left join {{ ref('stg_providers__providers') }} as providers
        on providers.provider_id = programs.provider_id

),

suppressed as (

    select
        *
        {%- for value, denominator, additive in scorecard_withheld_values() %},
        {{ pooled_value_withheld(scorecard_primary_withheld(value, denominator),
                                 value ~ '__withheld_years_denominator', additive) }} as {{ value }}_withheld
        {%- endfor %}
    from joined

),

flagged as (

    select
        *,
        -- every value withheld: completion is, and each outcome is withheld or not known yet
        -- (fewer exiters than the threshold always; complementary suppression may add a row)
        completion_withheld
        {%- for value, denominator, additive in scorecard_withheld_values() if value != 'completion' %}
        and ({{ value }}_withheld or {{ denominator }} = 0)
        {%- endfor %} as is_suppressed
    from suppressed

)

select
    cast(program_id as {{ dbt.type_string() }}) as program_id,
    cast(provider_id as {{ dbt.type_string() }}) as provider_id,
    cast(program_name as {{ dbt.type_string() }}) as program_name,
    cast(provider_name as {{ dbt.type_string() }}) as provider_name,
    cast(first_exit_program_year as {{ dbt.type_int() }}) as first_exit_program_year,
    cast(last_exit_program_year as {{ dbt.type_int() }}) as last_exit_program_year,
    cast(program_years_pooled as {{ dbt.type_int() }}) as program_years_pooled,
    cast(enrolled as {{ dbt.type_bigint() }}) as enrolled,
    {{ scorecard_value_columns() }},
    -- tuition for each completer: tuition_cost x exiters / completed (dollars)
    -- (exact decimals: the cast rounds to cents)
    cast(case when not completion_withheld and completed > 0
              then cast(tuition_cost as decimal(18, 6)) * exiters / completed end
         as decimal(14, 2)) as cost_per_completer,
    -- earnings_change is quarterly: x 4 for a year, per dollar of tuition
    cast(case when not (median_earnings_q2_withheld or median_pre_program_earnings_withheld) and tuition_cost > 0
              then 4 * (earnings_q2_median - pre_program_median) / cast(tuition_cost as {{ type_double() }}) end
         as {{ type_double() }}) as annual_earnings_change_per_tuition_dollar,
    cast(is_suppressed as {{ dbt.type_boolean() }}) as is_suppressed,
    {{ scorecard_flag_columns() }}
from flagged
