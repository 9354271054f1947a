{#- The rollups of the WIOA indicator reports (rpt_wioa_performance, rpt_eta9169_performance,
    rpt_equity_outcomes), over rows shaped like int_performance_exits: each unit (an exit of a
    program, or a common exit) is counted in its own funding stream and area, in lwda_code =
    'all', and - common exits only - in funding_stream = 'all'. A common exit with exits in two
    areas (or two streams) counts once in each and once in 'all': rows are made distinct per
    key and unit, so a person counts once per common exit in every row.
    `key_columns`: grouping columns beside funding_stream and lwda_code; `columns`: the unit's
    outcome columns to carry (the same for every row of the unit). -#}
{% macro performance_rollups(relation, key_columns, columns) -%}
    select distinct
        {% for k in key_columns %}r.{{ k }}, {% endfor %}
        r.scope,
        case when rollups.all_streams then 'all' else r.funding_stream end as funding_stream,
        case when rollups.all_areas then 'all' else r.lwda_code end as lwda_code,
        r.unit_id
        {%- for c in columns %},
        r.{{ c }}
        {%- endfor %}
    from {{ relation }} as r
    cross join (
        select false as all_streams, false as all_areas
        union all select false, true
        union all select true, false
        union all select true, true
    ) as rollups
    where r.scope = 'common' or not rollups.all_streams
{%- endmacro %}

{#- The outcome columns of int_performance_exits that the indicator aggregates read. -#}
{% macro performance_outcome_columns() -%}
    {{ return(['is_q2_known', 'is_q4_known', 'in_credential_cohort', 'employed_q2', 'employed_q4',
               'earnings_q2', 'credential_attained', 'retained_same_employer',
               'is_youth_exit', 'education_employment_q2', 'education_employment_q4']) }}
{%- endmacro %}

{#- A text id of a report cell from its key columns, '|'-separated in the order given (the
    order the complementary suppression breaks ties in). -#}
{% macro cell_id(columns, prefix='') -%}
    cast(
    {%- for c in columns %}
        {%- if not loop.first %} || '|' || {% endif -%}
        coalesce(cast({{ prefix }}{{ c }} as {{ dbt.type_string() }}), '~')
    {%- endfor %} as {{ dbt.type_string() }})
{%- endmacro %}

{#- Family memberships (complementary_suppression's `members`) of a report's cells along
    each rollup axis: the cells that share every key but `axis` form a family whose parent has
    axis = 'all'. Rate cells protect their numerator; the cells of `coupled` indicators
    (median_earnings_q2, and retention_same_employer where it shares employment_rate_q2's
    cohort) protect their denominator too. A median's value cannot be subtracted.
    `cells` holds `key_columns`, `indicator` and cell_id. -#}
{% macro rollup_families(cells, key_columns, axes=['funding_stream', 'lwda_code'],
                         coupled=['median_earnings_q2', 'retention_same_employer']) -%}
    {%- set others = [] -%}
    {%- for axis in axes %}
    {%- for secret in ['numerator', 'denominator'] %}
    {%- set family_keys = [] %}{% for k in key_columns if k != axis %}{% do family_keys.append(k) %}{% endfor %}
    select
        cast('{{ secret }}|{{ axis }}|' || {{ cell_id(family_keys + ['indicator']) }} as {{ dbt.type_string() }})
            as family_id,
        cell_id,
        {{ axis }} = 'all' as is_parent,
        cast('{{ secret }}' as {{ dbt.type_string() }}) as secret
    from {{ cells }}
    {%- if secret == 'numerator' %}
    where indicator <> 'median_earnings_q2'
    {%- else %}
    where indicator in ({% for c in coupled %}'{{ c }}'{% if not loop.last %}, {% endif %}{% endfor %})
    {%- endif %}
    {%- do others.append(1) %}
    {%- if others | length < (axes | length) * 2 %}union all{% endif %}
    {%- endfor %}
    {%- endfor %}
{%- endmacro %}

{#- The cell of the same key whose numerator a cell's denominator would give away:
    employment_rate_q2's, for the `coupled` indicators - median_earnings_q2 (its denominator is
    that numerator) and retention_same_employer where it shares employment_rate_q2's cohort (its
    denominator is that numerator less the exits whose Q4 is not known yet). The same list as
    rollup_families'. -#}
{% macro coupled_cell(key_columns, coupled=['median_earnings_q2', 'retention_same_employer']) -%}
    case when indicator in ({% for c in coupled %}'{{ c }}'{% if not loop.last %}, {% endif %}{% endfor %})
         then {{ cell_id(key_columns + ["'employment_rate_q2'"]) }} end
{%- endmacro %}
