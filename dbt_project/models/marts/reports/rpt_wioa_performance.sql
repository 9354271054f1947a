-- WIOA primary indicators per program year of exit (of participation, for
-- measurable_skill_gains_rate: int_skill_gain_periods), funding stream and LWDA, with 'all'
-- rollups over funding streams, LWDAs and both: the management view (by exit year). The
-- official ETA-9169 cohorts are rpt_eta9169_performance. Non-excluded exits only; each
-- indicator counts the exits whose outcome is known (rules: macros/outcomes.sql); 'all'
-- streams and retention count a person once per common exit (int_common_exits).
{%- set keys = ['exit_program_year', 'funding_stream', 'lwda_code'] %}
with rollups as (

    {{ performance_rollups(ref('int_performance_exits'), ['exit_program_year'], performance_outcome_columns()) }}

),

aggregated as (

    select
        exit_program_year,
        scope,
        funding_stream,
        lwda_code,
        {{ wioa_indicator_aggregates() }},
        {{ wioa_indicator_completeness() }}
    from rollups
    group by exit_program_year, scope, funding_stream, lwda_code

),

cells as (

    select
        cells.*,
        {{ cell_id(keys + ['indicator']) }} as cell_id,
        {{ is_suppressed('denominator') }} as is_primary,
        false as is_denominator_withheld,
        false as is_fixed,
        {{ coupled_cell(keys) }} as coupled_to
    from (
        -- a row wherever the indicator's outcome is known for someone: its existence says nothing
        -- about the outcomes (a median row with nobody employed has denominator 0)
        {{ wioa_indicator_cells('aggregated', keys, completeness=true, keep_when='outcomes_known > 0') }}
        union all
        -- measurable_skill_gains_rate: exit_program_year holds the program year of participation
        {{ skill_gain_cells('exit_program_year') }}
    ) as cells

),

families as (

    {{ rollup_families('cells', keys) }}

),

{{ complementary_suppression('cells', 'families', 'suppression') }}

select
    cast(cells.exit_program_year as {{ dbt.type_int() }}) as exit_program_year,
    cast(cells.funding_stream as {{ dbt.type_string() }}) as funding_stream,
    cast(cells.lwda_code as {{ dbt.type_string() }}) as lwda_code,
    cast(cells.indicator as {{ dbt.type_string() }}) as indicator,
    cast(case when not s.is_suppressed then cells.numerator end as {{ dbt.type_bigint() }}) as numerator,
    cast(case when not s.is_denominator_withheld then cells.denominator end as {{ dbt.type_bigint() }}) as denominator,
    cast(case when not s.is_suppressed then {{ money('cells.value', indicator='cells.indicator') }} end
         as {{ type_double() }}) as value,
    cast(s.is_suppressed as {{ dbt.type_boolean() }}) as is_suppressed,
    cast(lwda.lwda_name as {{ dbt.type_string() }}) as lwda_name,
    cast(streams.funding_stream_label as {{ dbt.type_string() }}) as funding_stream_label
from cells
inner join suppression as s
    on s.cell_id = cells.cell_id
-- names beside the codes (dim_lwda holds the 'all' rollup too)
left join {{ ref('dim_lwda') }} as lwda
    on lwda.lwda_code = cells.lwda_code
left join {{ ref('dim_funding_stream') }} as streams
    on streams.funding_stream = cells.funding_stream
