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

{#- The exit-based WIOA indicators of mart.md, in report order (the Youth education-or-employment
    rates, TEGL 10-16 Change 2 / PIRL 1900-1901, count title I Youth program exits only:
    `is_youth_exit`). Measurable skill gains is not exit-based: skill_gain_cells(). kind `rate` has a numerator;
    kind `median` reports the median of earnings_q2 over its denominator. `known`: whether the
    indicator's wage quarter is in the feed; `cohort`: who the indicator is about (credential:
    the credential cohort); `quarters_after_exit`: the last outcome quarter (is_final). -#}
{% macro wioa_indicators() -%}
    {{ return([
        {'name': 'employment_rate_q2', 'kind': 'rate', 'known': 'is_q2_known',
         'cohort': 'true', 'quarters_after_exit': 2},
        {'name': 'employment_rate_q4', 'kind': 'rate', 'known': 'is_q4_known',
         'cohort': 'true', 'quarters_after_exit': 4},
        {'name': 'median_earnings_q2', 'kind': 'median', 'known': 'is_q2_known',
         'cohort': 'true', 'quarters_after_exit': 2},
        {'name': 'credential_attainment_rate', 'kind': 'rate',
         'known': 'is_q4_known', 'cohort': 'in_credential_cohort', 'quarters_after_exit': 4},
        {'name': 'retention_same_employer', 'kind': 'rate',
         'known': 'is_q4_known', 'cohort': 'true', 'quarters_after_exit': 4},
        {'name': 'education_employment_rate_q2', 'kind': 'rate', 'known': 'is_q2_known',
         'cohort': 'is_youth_exit', 'quarters_after_exit': 2},
        {'name': 'education_employment_rate_q4', 'kind': 'rate', 'known': 'is_q4_known',
         'cohort': 'is_youth_exit', 'quarters_after_exit': 4},
    ]) }}
{%- endmacro %}

{#- `guard` as a SQL condition for one indicator: the row counts for it (rpt_eta9169_performance
    keeps a flag per indicator, because each indicator has its own cohort window). -#}
{% macro _indicator_guard(guard, ind) -%}
    {%- if guard -%}({{ guard | replace('{indicator}', ind.name) }}) and {% endif -%}
{%- endmacro %}

{#- Aggregate select-list over rows shaped like fct_exit_outcomes: for each indicator,
    `<indicator>__numerator` / `<indicator>__denominator` (and `median_earnings_q2__median`).
    A NULL outcome is "not known yet" and stays out of both numerator and denominator.
    `guard` (optional): a SQL condition with `{indicator}` in it, e.g. `in_{indicator}`, that a
    row must meet to count for the indicator. -#}
{% macro wioa_indicator_aggregates(guard=none) -%}
    {%- set g = {} -%}
    {%- for ind in wioa_indicators() %}{% do g.update({ind.name: _indicator_guard(guard, ind)}) %}{% endfor -%}
    count(case when {{ g.employment_rate_q2 }}employed_q2 is not null then 1 end) as employment_rate_q2__denominator,
    count(case when {{ g.employment_rate_q2 }}employed_q2 then 1 end) as employment_rate_q2__numerator,
    count(case when {{ g.employment_rate_q4 }}employed_q4 is not null then 1 end) as employment_rate_q4__denominator,
    count(case when {{ g.employment_rate_q4 }}employed_q4 then 1 end) as employment_rate_q4__numerator,
    count(case when {{ g.median_earnings_q2 }}employed_q2 then 1 end) as median_earnings_q2__denominator,
    {{ median('case when ' ~ g.median_earnings_q2 ~ 'employed_q2 then earnings_q2 end') }} as median_earnings_q2__median,
    count(case when {{ g.credential_attainment_rate }}credential_attained is not null then 1 end) as credential_attainment_rate__denominator,
    count(case when {{ g.credential_attainment_rate }}credential_attained then 1 end) as credential_attainment_rate__numerator,
    count(case when {{ g.retention_same_employer }}retained_same_employer is not null then 1 end) as retention_same_employer__denominator,
    count(case when {{ g.retention_same_employer }}retained_same_employer then 1 end) as retention_same_employer__numerator,
    count(case when {{ g.education_employment_rate_q2 }}education_employment_q2 is not null then 1 end) as education_employment_rate_q2__denominator,
    count(case when {{ g.education_employment_rate_q2 }}education_employment_q2 then 1 end) as education_employment_rate_q2__numerator,
    count(case when {{ g.education_employment_rate_q4 }}education_employment_q4 is not null then 1 end) as education_employment_rate_q4__denominator,
    count(case when {{ g.education_employment_rate_q4 }}education_employment_q4 then 1 end) as education_employment_rate_q4__numerator
{%- endmacro %}

{#- Completeness select-list (ETA-9169 reports a cohort, known or not): for each indicator,
    `<indicator>__cohort_exits` (exits in its cohort) and `<indicator>__outcomes_known` (those
    whose outcome quarter is in the wage feed). `guard` as in wioa_indicator_aggregates. -#}
{% macro wioa_indicator_completeness(guard=none) -%}
    {%- for ind in wioa_indicators() %}
    count(case when {{ _indicator_guard(guard, ind) }}{{ ind.cohort }} then 1 end) as {{ ind.name }}__cohort_exits,
    count(case when {{ _indicator_guard(guard, ind) }}{{ ind.cohort }} and {{ ind.known }} then 1 end)
        as {{ ind.name }}__outcomes_known{% if not loop.last %},{% endif %}
    {%- endfor %}
{%- endmacro %}

{#- Long format, one row per key and indicator, from a relation holding
    wioa_indicator_aggregates() per `scope` (int_performance_exits): the unsuppressed
    `numerator`, `denominator` and `value` (rate or median); with `completeness`, also
    `cohort_exits` and `outcomes_known`. Per-program rows count program exits, except the
    retention indicator; funding_stream = 'all' rows and retention count common exits (a
    person once per common exit: int_common_exits). `keep_when`: which rows exist, a
    condition on `denominator` / `cohort_exits`. Suppression is applied later
    (complementary_suppression). -#}
{% macro wioa_indicator_cells(relation, key_columns, completeness=false, keep_when='denominator > 0') -%}
    select * from (
    {%- for ind in wioa_indicators() %}
    {%- set num = ind.name ~ '__numerator' -%}
    {%- set den = ind.name ~ '__denominator' %}
    select
        {% for k in key_columns %}{{ k }}, {% endfor %}
        cast('{{ ind.name }}' as {{ dbt.type_string() }}) as indicator,
        {%- if ind.kind == 'median' %}
        cast(null as {{ dbt.type_bigint() }}) as numerator,
        cast({{ den }} as {{ dbt.type_bigint() }}) as denominator,
        cast({{ ind.name }}__median as {{ type_double() }}) as value
        {%- else %}
        cast({{ num }} as {{ dbt.type_bigint() }}) as numerator,
        cast({{ den }} as {{ dbt.type_bigint() }}) as denominator,
        cast({{ rate(num, den) }} as {{ type_double() }}) as value
        {%- endif %}
        {%- if completeness %},
        cast({{ ind.name }}__cohort_exits as {{ dbt.type_bigint() }}) as cohort_exits,
        cast({{ ind.name }}__outcomes_known as {{ dbt.type_bigint() }}) as outcomes_known
        {%- endif %}
    from {{ relation }}
    where
        {%- if ind.name == 'retention_same_employer' %} scope = 'common'
        {%- else %} (scope = 'common') = (funding_stream = 'all')
        {%- endif %}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
    ) as cells
    where {{ keep_when }}
{%- endmacro %}

{#- The last outcome quarter of an indicator, in quarters after the exit quarter (SQL CASE
    over an indicator name expression). -#}
{% macro indicator_quarters_after_exit(indicator_expr) -%}
    case {{ indicator_expr }}
        {%- for ind in wioa_indicators() %}
        when '{{ ind.name }}' then {{ ind.quarters_after_exit }}
        {%- endfor %}
        -- skill gains: the report year's own last quarter (cohort_exit_to is its end)
        when 'measurable_skill_gains_rate' then 0
    end
{%- endmacro %}

{#- The PIRL barriers to employment of participants (WIOA sec. 3(24); feeds.md lists the element
    numbers), beside low_income [802]: each is a breakout of rpt_equity_outcomes, and
    dim_participant.has_barrier ("has at least one barrier") another. -#}
{% macro barrier_columns() -%}
    {{ return(["homeless", "ex_offender", "english_language_learner", "basic_skills_deficient", "cultural_barriers", "single_parent", "displaced_homemaker", "long_term_unemployed", "foster_care_youth"]) }}
{%- endmacro %}

{#- Measurable Skill Gains cells (measurable_skill_gains_rate), shaped like wioa_indicator_cells
    with completeness, from int_skill_gain_periods: per `year_column` (the program year of
    participation, named as the report's year key), funding stream and LWDA with their 'all'
    rollups (performance_rollups: periods per program, a person once per year in 'all').
    cohort_exits and outcomes_known are the denominator (participants in education or
    training in the year; nothing waits for wage quarters). Suppression comes after, with the
    report's other cells. -#}
{% macro skill_gain_cells(year_column) -%}
    select
        program_year as {{ year_column }},
        funding_stream,
        lwda_code,
        cast('measurable_skill_gains_rate' as {{ dbt.type_string() }}) as indicator,
        cast(count(case when skill_gain_achieved then 1 end) as {{ dbt.type_bigint() }}) as numerator,
        cast(count(*) as {{ dbt.type_bigint() }}) as denominator,
        cast({{ rate('count(case when skill_gain_achieved then 1 end)', 'count(*)') }} as {{ type_double() }}) as value,
        cast(count(*) as {{ dbt.type_bigint() }}) as cohort_exits,
        cast(count(*) as {{ dbt.type_bigint() }}) as outcomes_known
    from (
        {{ performance_rollups(ref('int_skill_gain_periods'), ['program_year'], ['skill_gain_achieved']) }}
    ) as rollups
    where (scope = 'common') = (funding_stream = 'all')
    group by program_year, scope, funding_stream, lwda_code
{%- endmacro %}
