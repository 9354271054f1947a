-- The WIOA annual performance report (ETA-9169): the primary indicators per report program
-- year, funding stream and LWDA, each over its own cohort of exits. The cohort windows come
-- from seeds/eta9169_report_periods.csv (never from literals here); rows count exits as
-- rpt_wioa_performance does (a person once per common exit in 'all' rows and in retention),
-- with the same complementary suppression, and say how complete they are: cohort_exits,
-- outcomes_known and is_final (every outcome quarter at least outcome_runout_quarters()
-- older than the latest wage quarter). Provisional rows are published, flagged.
{%- set keys = ['report_program_year', 'funding_stream', 'lwda_code'] %}
{#- retention's cohort (calendar year) is not employment_rate_q2's (program year): only the
    median's denominator gives employment_rate_q2's numerator away here -#}
{%- set coupled = ['median_earnings_q2'] %}
{%- set flags = [] %}
{%- for ind in wioa_indicators() %}{% do flags.append('in_' ~ ind.name) %}{% endfor %}
with exits as (

    select * from {{ ref('int_performance_exits') }}

),

report_years as (

    -- every program year whose cohorts can hold an exit of the feed
    select distinct exit_program_year + offsets.years as report_program_year
    from exits
    cross join (
        select -1 as years union all select 0 union all select 1 union all select 2
    ) as offsets

),

windows as (

    select
        report_years.report_program_year,
        periods.report_item as indicator,
        {{ report_period_date('report_years.report_program_year', 'periods.from_year_offset',
                              'periods.from_month', 'periods.from_day') }} as cohort_exit_from,
        {{ report_period_date('report_years.report_program_year', 'periods.to_year_offset',
                              'periods.to_month', 'periods.to_day') }} as cohort_exit_to
    from report_years
    cross join {{ ref('eta9169_report_periods') }} as periods
    where periods.cohort_basis = 'exit'
      and periods.report_item in ({% for ind in wioa_indicators() %}'{{ ind.name }}'{% if not loop.last %}, {% endif %}{% endfor %})

),

distinct_windows as (

    -- indicators sharing a window share a row: flags say which indicators it is the cohort of
    select
        report_program_year,
        cohort_exit_from,
        cohort_exit_to,
        {%- for ind in wioa_indicators() %}
        max(case when indicator = '{{ ind.name }}' then 1 else 0 end) = 1 as in_{{ ind.name }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from windows
    group by report_program_year, cohort_exit_from, cohort_exit_to

),

exits_in_cohorts as (

    select exits.*, distinct_windows.report_program_year,
        {%- for f in flags %} distinct_windows.{{ f }}{% if not loop.last %},{% endif %}{% endfor %}
    from exits
    inner join distinct_windows
        on exits.exit_date between distinct_windows.cohort_exit_from and distinct_windows.cohort_exit_to

),

rollups as (

    {{ performance_rollups('exits_in_cohorts', ['report_program_year'], performance_outcome_columns() + flags) }}

),

aggregated as (

    select
        report_program_year,
        scope,
        funding_stream,
        lwda_code,
        {{ wioa_indicator_aggregates(guard='in_{indicator}') }},
        {{ wioa_indicator_completeness(guard='in_{indicator}') }}
    from rollups
    group by report_program_year, scope, funding_stream, lwda_code

),

cells as (

    select
        cells.*,
        {{ cell_id(keys + ['indicator']) }} as cell_id,
        {{ is_suppressed('denominator') }} as is_primary,
        false as is_denominator_withheld,
        false as is_fixed,
        {{ coupled_cell(keys, coupled) }} as coupled_to
    from (
        {{ wioa_indicator_cells('aggregated', keys, completeness=true, keep_when='cohort_exits > 0') }}
        union all
        -- measurable_skill_gains_rate: participants in education or training during the report year
        {{ skill_gain_cells('report_program_year') }}
    ) as cells

),

families as (

    {{ rollup_families('cells', keys, coupled=coupled) }}

),

{{ complementary_suppression('cells', 'families', 'suppression') }},

bounds as (

    select latest_quarter_index as latest_wage_quarter_index
    from {{ ref('int_wage_feed_bounds') }}

),

completed as (

    select
        cells.*,
        windows.cohort_exit_from,
        windows.cohort_exit_to,
        {{ quarter_index('windows.cohort_exit_to') }} + {{ indicator_quarters_after_exit('cells.indicator') }}
            as last_outcome_quarter_index
    from cells
    inner join (
        select report_program_year, indicator, cohort_exit_from, cohort_exit_to from windows
        union all
        -- the skill gains window: the report year itself (the seed's measurable_skill_gains row)
        select distinct program_year, 'measurable_skill_gains_rate', year_from, year_to
        from {{ ref('int_skill_gain_periods') }}
    ) as windows
        on windows.report_program_year = cells.report_program_year
       and windows.indicator = cells.indicator

)

select
    cast(c.report_program_year as {{ dbt.type_int() }}) as report_program_year,
    cast(c.funding_stream as {{ dbt.type_string() }}) as funding_stream,
    cast(c.lwda_code as {{ dbt.type_string() }}) as lwda_code,
    cast(c.indicator as {{ dbt.type_string() }}) as indicator,
    cast(c.cohort_exit_from as date) as cohort_exit_from,
    cast(c.cohort_exit_to as date) as cohort_exit_to,
    cast(case when not s.is_suppressed then c.numerator end as {{ dbt.type_bigint() }}) as numerator,
    cast(case when not s.is_denominator_withheld then c.denominator end as {{ dbt.type_bigint() }}) as denominator,
    cast(case when not s.is_suppressed then {{ money('c.value', indicator='c.indicator') }} end
         as {{ type_double() }}) as value,
    cast(s.is_suppressed as {{ dbt.type_boolean() }}) as is_suppressed,
    cast(c.cohort_exits as {{ dbt.type_bigint() }}) as cohort_exits,
    cast(c.outcomes_known as {{ dbt.type_bigint() }}) as outcomes_known,
    cast({{ quarter_label_of(year_of_quarter_index('c.last_outcome_quarter_index'),
                             quarter_of_quarter_index('c.last_outcome_quarter_index')) }} as {{ dbt.type_string() }})
        as last_outcome_quarter,
    cast(coalesce(bounds.latest_wage_quarter_index - c.last_outcome_quarter_index >= {{ outcome_runout_quarters() }}, false)
         as {{ dbt.type_boolean() }}) as is_final,
    cast(lwda.lwda_name as {{ dbt.type_string() }}) as lwda_name,
    cast(streams.funding_stream_label as {{ dbt.type_string() }}) as funding_stream_label
from completed as c
inner join suppression as s
    on s.cell_id = c.cell_id
cross join bounds
-- names beside the codes (dim_lwda holds the 'all' rollup too)
left join {{ ref('dim_lwda') }} as lwda
    on lwda.lwda_code = c.lwda_code
left join {{ ref('dim_funding_stream') }} as streams
    on streams.funding_stream = c.funding_stream
