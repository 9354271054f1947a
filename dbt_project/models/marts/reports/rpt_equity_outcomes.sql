-- The WIOA indicators by population group: one row per program year of exit, funding
-- stream and LWDA (each with an 'all' rollup), dimension, group and indicator. Same exits,
-- rules and suppression as rpt_wioa_performance; demographics from dim_participant. The
-- groups of one dimension add up to rpt_wioa_performance's row of the same key, which is
-- their published total: complementary suppression treats that row as the family's parent.
{%- set keys = ['exit_program_year', 'funding_stream', 'lwda_code', 'dimension', 'group_value'] %}
{%- set total_keys = ['exit_program_year', 'funding_stream', 'lwda_code'] %}
{%- set coupled = ['median_earnings_q2', 'retention_same_employer'] %}
{%- set coupled_list = "('" ~ coupled | join("', '") ~ "')" %}
{#- dimension -> its group column in `exits` #}
{%- set equity_group_columns = {'sex': 'sex_group', 'race_ethnicity': 'race_ethnicity_group', 'age_group': 'age_group',
                                'veteran': 'veteran_group', 'disability': 'disability_group',
                                'low_income': 'low_income_group'} %}
{%- for b in barrier_columns() %}{% do equity_group_columns.update({'barrier_' ~ b: 'barrier_' ~ b ~ '_group'}) %}{% endfor %}
{%- do equity_group_columns.update({'has_barrier': 'has_barrier_group'}) %}
{%- set group_total_keys = [] %}{%- set total_family_keys = [] %}
{%- for k in total_keys %}{% do group_total_keys.append('groups.' ~ k) %}{% do total_family_keys.append('totals.' ~ k) %}{% endfor %}
with exits as (

    select
        e.*,
        case p.sex when 1 then 'male' when 2 then 'female' else 'not_reported' end as sex_group,
        coalesce(p.race_ethnicity, 'not_reported') as race_ethnicity_group,
        case
            when e.age_at_entry is null then 'not_reported'
            when e.age_at_entry < 16 then '<16'
            when e.age_at_entry <= 18 then '16-18'
            when e.age_at_entry <= 24 then '19-24'
            when e.age_at_entry <= 44 then '25-44'
            when e.age_at_entry <= 54 then '45-54'
            when e.age_at_entry <= 59 then '55-59'
            else '60+'
        end as age_group,
        case p.veteran when 1 then 'yes' when 0 then 'no' else 'not_reported' end as veteran_group,
        case p.disability when 1 then 'yes' when 0 then 'no' else 'not_reported' end as disability_group,
        -- PIRL 802 low income
        case p.low_income when 1 then 'yes' when 0 then 'no' else 'not_reported' end as low_income_group,
        -- issue 16: each barrier to employment, and "has at least one barrier"
        {%- for b in barrier_columns() %}
        case p.{{ b }} when 1 then 'yes' when 0 then 'no' else 'not_reported' end as barrier_{{ b }}_group,
        {%- endfor %}
        case p.has_barrier when 1 then 'yes' when 0 then 'no' else 'not_reported' end as has_barrier_group
    from {{ ref('int_performance_exits') }} as e
    left join {{ ref('dim_participant') }} as p
        on p.participant_key = e.participant_key

),

dimensions as (

    select 'sex' as dimension
    union all select 'race_ethnicity'
    union all select 'age_group'
    union all select 'veteran'
    union all select 'disability'
    union all select 'low_income'
    -- a barrier's breakout exists once the feed carries that element for someone (an optional
    -- column, issue 16); "has at least one barrier" once it carries any of them
    {%- for b in barrier_columns() %}
    union all select 'barrier_{{ b }}' from (select 1 as one) as d
        where exists (select 1 from {{ ref('dim_participant') }} where {{ b }} is not null)
    {%- endfor %}
    union all select 'has_barrier' from (select 1 as one) as d
        where exists (select 1 from {{ ref('dim_participant') }}
                      where {% for b in barrier_columns() %}{{ b }} is not null{% if not loop.last %} or {% endif %}{% endfor %})

),

rollups as (

    -- each unit once per rollup key, its group in every dimension beside it
    {{ performance_rollups('exits', ['exit_program_year'] + equity_group_columns.values() | list,
                           performance_outcome_columns()) }}

),

by_group as (

    -- one grouping set per dimension, so the rows are never multiplied by the dimensions (at
    -- 1M participants that expansion, 17 dimensions x 4 rollups of every exit, filled the disk
    -- with spill). A group column is never NULL ('not_reported'), so in each set the one
    -- non-NULL group column names the dimension.
    select
        exit_program_year,
        scope,
        funding_stream,
        lwda_code,
        case
            {%- for dimension, column in equity_group_columns.items() %}
            when {{ column }} is not null then '{{ dimension }}'
            {%- endfor %}
        end as dimension,
        coalesce({{ equity_group_columns.values() | join(', ') }}) as group_value,
        {{ wioa_indicator_aggregates() }},
        {{ wioa_indicator_completeness() }}
    from rollups
    group by grouping sets (
        {%- for column in equity_group_columns.values() %}
        (exit_program_year, scope, funding_stream, lwda_code, {{ column }}){% if not loop.last %},{% endif %}
        {%- endfor %}
    )

),

aggregated as (

    -- the dimensions this feed has (a barrier's only once someone carries it)
    select by_group.*
    from by_group
    inner join dimensions
        on dimensions.dimension = by_group.dimension

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
        -- a row wherever the indicator's outcome is known for someone: its existence says nothing
        -- about the outcomes (a median row with nobody employed has denominator 0)
        {{ wioa_indicator_cells('aggregated', keys, completeness=true, keep_when='outcomes_known > 0') }}
    ) as cells

),

totals as (

    -- the groups' total (every dimension partitions it: 'sex' is as good as any), with its
    -- suppression as published in rpt_wioa_performance, which this model cannot change
    select
        {{ cell_id(group_total_keys + ["'total'", "'total'", 'groups.indicator']) }} as cell_id,
        {% for k in total_keys %}groups.{{ k }}, {% endfor %}groups.indicator,
        groups.numerator,
        groups.denominator,
        coalesce(published.is_suppressed, true) as is_primary,
        coalesce(published.denominator is null, true) as is_denominator_withheld,
        true as is_fixed,
        cast(null as {{ dbt.type_string() }}) as coupled_to
    from (
        select {% for k in total_keys %}{{ k }}, {% endfor %}indicator,
            sum(numerator) as numerator, sum(denominator) as denominator
        from cells
        where dimension = 'sex'
        group by {% for k in total_keys %}{{ k }}, {% endfor %}indicator
    ) as groups
    left join {{ ref('rpt_wioa_performance') }} as published
        on {% for k in total_keys %}published.{{ k }} = groups.{{ k }} and {% endfor %}published.indicator = groups.indicator

),

suppression_cells as (

    select cell_id, numerator, denominator, is_primary, is_denominator_withheld, is_fixed, coupled_to from cells
    union all
    select cell_id, numerator, denominator, is_primary, is_denominator_withheld, is_fixed, coupled_to from totals

),

families as (

    {{ rollup_families('cells', keys, coupled=coupled) }}

    union all

    -- the groups of one dimension under their total
    {%- for secret in ['numerator', 'denominator'] %}
    select
        cast('{{ secret }}|group_value|' || {{ cell_id(total_keys + ['dimension', 'indicator']) }} as {{ dbt.type_string() }})
            as family_id,
        cell_id,
        false as is_parent,
        cast('{{ secret }}' as {{ dbt.type_string() }}) as secret
    from cells
    where {{ "indicator <> 'median_earnings_q2'" if secret == 'numerator'
             else "indicator in " ~ coupled_list }}

    union all

    select
        cast('{{ secret }}|group_value|' || {{ cell_id(total_family_keys + ['dimensions.dimension', 'totals.indicator']) }}
             as {{ dbt.type_string() }}) as family_id,
        totals.cell_id,
        true as is_parent,
        cast('{{ secret }}' as {{ dbt.type_string() }}) as secret
    from totals
    cross join dimensions
    where {{ "totals.indicator <> 'median_earnings_q2'" if secret == 'numerator'
             else "totals.indicator in " ~ coupled_list }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

{{ complementary_suppression('suppression_cells', 'families', 'suppression') }}

select
    cast(cells.exit_program_year as {{ dbt.type_int() }}) as exit_program_year,
    cast(cells.funding_stream as {{ dbt.type_string() }}) as funding_stream,
    cast(cells.dimension as {{ dbt.type_string() }}) as dimension,
    cast(cells.group_value as {{ dbt.type_string() }}) as group_value,
    cast(cells.indicator as {{ dbt.type_string() }}) as indicator,
    cast(case when not s.is_suppressed then cells.numerator end as {{ dbt.type_bigint() }}) as numerator,
    cast(case when not s.is_denominator_withheld then cells.denominator end as {{ dbt.type_bigint() }}) as denominator,
    cast(case when not s.is_suppressed then {{ money('cells.value', indicator='cells.indicator') }} end
         as {{ type_double() }}) as value,
    cast(s.is_suppressed as {{ dbt.type_boolean() }}) as is_suppressed,
    cast(cells.lwda_code as {{ dbt.type_string() }}) as lwda_code,
    cast(lwda.lwda_name as {{ dbt.type_string() }}) as lwda_name,
    cast(streams.funding_stream_label as {{ dbt.type_string() }}) as funding_stream_label,
    cast(overall.value as {{ type_double() }}) as overall_value,  -- rounded by rpt_wioa_performance
    cast({{ money('case when not s.is_suppressed then cells.value end - overall.value', indicator='cells.indicator') }}
         as {{ type_double() }}) as gap_to_overall
from cells
inner join suppression as s
    on s.cell_id = cells.cell_id
-- names beside the codes (dim_lwda holds the 'all' rollup too)
left join {{ ref('dim_lwda') }} as lwda
    on lwda.lwda_code = cells.lwda_code
left join {{ ref('dim_funding_stream') }} as streams
    on streams.funding_stream = cells.funding_stream
-- the published total of the same key (NULL where rpt_wioa_performance withholds it)
left join {{ ref('rpt_wioa_performance') }} as overall
    on overall.exit_program_year = cells.exit_program_year
   and overall.funding_stream = cells.funding_stream
   and overall.lwda_code = cells.lwda_code
   and overall.indicator = cells.indicator
