{#- Rules shared by every exit-based outcome (fct_exit_outcomes, rpt_provider_scorecard). -#}

{#- A calendar quarter's wages are known when the quarter lies within the wage feed
    (int_wage_feed_bounds): later than the latest delivered quarter means "not yet
    delivered", earlier than the first means "before the feed starts". Either way the
    outcome is unknown (NULL), not "not employed". Never NULL itself. -#}
{% macro is_wage_quarter_known(quarter_index_expr,
                               first_expr='first_wage_quarter_index',
                               latest_expr='latest_wage_quarter_index') -%}
    coalesce(({{ quarter_index_expr }}) between {{ first_expr }} and {{ latest_expr }}, false)
{%- endmacro %}

{#- The five WIOA indicators of mart.md, in report order. kind `rate` has a numerator;
    kind `median` reports the median of earnings_q2 over its denominator. -#}
{% macro wioa_indicators() -%}
    {{ return([
        {'name': 'employment_rate_q2', 'kind': 'rate'},
        {'name': 'employment_rate_q4', 'kind': 'rate'},
        {'name': 'median_earnings_q2', 'kind': 'median'},
        {'name': 'credential_attainment_rate', 'kind': 'rate'},
        {'name': 'retention_same_employer', 'kind': 'rate'},
    ]) }}
{%- endmacro %}

{#- Aggregate select-list over rows shaped like fct_exit_outcomes: for each indicator,
    `<indicator>__numerator` / `<indicator>__denominator` (and `median_earnings_q2__median`).
    A NULL outcome is "not known yet" and stays out of both numerator and denominator. -#}
{% macro wioa_indicator_aggregates() -%}
    count(case when employed_q2 is not null then 1 end) as employment_rate_q2__denominator,
    count(case when employed_q2 then 1 end) as employment_rate_q2__numerator,
    count(case when employed_q4 is not null then 1 end) as employment_rate_q4__denominator,
    count(case when employed_q4 then 1 end) as employment_rate_q4__numerator,
    count(case when employed_q2 then 1 end) as median_earnings_q2__denominator,
    {{ median('case when employed_q2 then earnings_q2 end') }} as median_earnings_q2__median,
    count(case when credential_attained is not null then 1 end) as credential_attainment_rate__denominator,
    count(case when credential_attained then 1 end) as credential_attainment_rate__numerator,
    count(case when retained_same_employer is not null then 1 end) as retention_same_employer__denominator,
    count(case when retained_same_employer then 1 end) as retention_same_employer__numerator
{%- endmacro %}

{#- Long format, one row per key and indicator, from a relation holding
    wioa_indicator_aggregates(): numerator, denominator, value, is_suppressed.
    Groups with a zero denominator for an indicator (nothing known yet) get no row. -#}
{% macro wioa_indicator_rows(relation, key_columns) -%}
    {%- for ind in wioa_indicators() %}
    {%- set num = ind.name ~ '__numerator' -%}
    {%- set den = ind.name ~ '__denominator' %}
    select
        {% for k in key_columns %}{{ k }}, {% endfor %}
        cast('{{ ind.name }}' as {{ dbt.type_string() }}) as indicator,
        {%- if ind.kind == 'median' %}
        cast(null as {{ dbt.type_bigint() }}) as numerator,
        cast({{ den }} as {{ dbt.type_bigint() }}) as denominator,
        cast({{ suppress(ind.name ~ '__median', den) }} as {{ type_double() }}) as value,
        {%- else %}
        cast({{ suppress(num, den) }} as {{ dbt.type_bigint() }}) as numerator,
        cast({{ den }} as {{ dbt.type_bigint() }}) as denominator,
        cast({{ suppress(rate(num, den), den) }} as {{ type_double() }}) as value,
        {%- endif %}
        {{ is_suppressed(den) }} as is_suppressed
    from {{ relation }}
    where {{ den }} > 0
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}
