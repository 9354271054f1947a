-- The WIOA indicators by population group: one row per program year of exit, funding
-- stream and LWDA (each with an 'all' rollup), dimension, group and indicator: the cells of
-- int_equity_group_cells (same exits and rules as rpt_wioa_performance, groups from
-- dim_participant) with the same suppression. The groups of one dimension add up to
-- rpt_wioa_performance's row of the same key, which is their published total: complementary
-- suppression treats that row as the family's parent.
{%- set keys = ['exit_program_year', 'funding_stream', 'lwda_code', 'dimension', 'group_value'] %}
{%- set total_keys = ['exit_program_year', 'funding_stream', 'lwda_code'] %}
{%- set coupled = ['median_earnings_q2', 'retention_same_employer'] %}
{%- set coupled_list = "('" ~ coupled | join("', '") ~ "')" %}
{%- set group_total_keys = [] %}{%- set total_family_keys = [] %}
{%- for k in total_keys %}{% do group_total_keys.append('groups.' ~ k) %}{% do total_family_keys.append('totals.' ~ k) %}{% endfor %}
with cells as (

    select
        cells.*,
        {{ cell_id(keys + ['indicator']) }} as cell_id,
        {{ is_suppressed('denominator') }} as is_primary,
        false as is_denominator_withheld,
        false as is_fixed,
        {{ coupled_cell(keys, coupled) }} as coupled_to
    from {{ ref('int_equity_group_cells') }} as cells

),

dimensions as (

    -- the dimensions this feed has (int_equity_group_cells: a barrier's only once someone carries it)
    select distinct dimension from cells

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
