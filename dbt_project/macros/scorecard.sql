{#- The provider scorecard's rules, shared by rpt_provider_scorecard (one row per program and
    exit program year) and rpt_provider_scorecard_pooled (one row per program, its people pooled
    over the latest exit program years). Each model groups the exits its own way; what an exiter
    is, what each value counts and how a value is shown or withheld live here. -#}

{#- SELECT of the scorecard's exiters, one row per ended training record (completed or withdrew:
    int_training_record_exits) with its outcomes (int_exit_outcomes, entry = enrollment_date):
    program_id, exit_program_year, completion_status and the outcome columns that
    wioa_indicator_aggregates() and scorecard_exit_aggregates() read. `training_record_exits` and
    `exit_outcomes` are the two relations (pass ref(...) from the model, so dbt sees the edges). -#}
{% macro scorecard_exits(training_record_exits, exit_outcomes) -%}
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
    from {{ training_record_exits }} as records
    inner join {{ exit_outcomes }} as outcomes
        on outcomes.episode_type = 'training_record'
       and outcomes.source_id = records.record_id
{%- endmacro %}

{#- Aggregate select-list over scorecard_exits() rows, for whatever the model groups by:
    `exiters`, `completed` (completion_status = 'completed'), the wioa_indicator_aggregates()
    columns (`<indicator>__numerator`, `__denominator`, `median_earnings_q2__median`), and
    `pre_program_earnings__denominator` / `__median` (exiters whose pre-program quarter is in the
    wage feed; 0 wages included). Medians are over the group's people (macros/median.sql). -#}
{% macro scorecard_exit_aggregates() -%}
        count(*) as exiters,
        count(case when completion_status = 'completed' then 1 end) as completed,
        {{ wioa_indicator_aggregates() }},
        count(pre_program_earnings) as pre_program_earnings__denominator,
        {{ median('pre_program_earnings') }} as pre_program_earnings__median
{%- endmacro %}

{#- The counts and medians of scorecard_exit_aggregates() from relation `stats`, named as
    scorecard_value_columns() reads them, a count of 0 where `stats` has no row (a left join):
    exiters, completed, q2_numerator, q2_denominator, q4_numerator, q4_denominator,
    earnings_q2_median, earnings_q2_denominator, credential_numerator, credential_denominator,
    pre_program_median, pre_program_denominator. -#}
{% macro scorecard_counts(stats) -%}
        coalesce({{ stats }}.exiters, 0) as exiters,
        {{ stats }}.completed,
        coalesce({{ stats }}.employment_rate_q2__numerator, 0) as q2_numerator,
        coalesce({{ stats }}.employment_rate_q2__denominator, 0) as q2_denominator,
        coalesce({{ stats }}.employment_rate_q4__numerator, 0) as q4_numerator,
        coalesce({{ stats }}.employment_rate_q4__denominator, 0) as q4_denominator,
        {{ stats }}.median_earnings_q2__median as earnings_q2_median,
        coalesce({{ stats }}.median_earnings_q2__denominator, 0) as earnings_q2_denominator,
        coalesce({{ stats }}.credential_attainment_rate__numerator, 0) as credential_numerator,
        coalesce({{ stats }}.credential_attainment_rate__denominator, 0) as credential_denominator,
        {{ stats }}.pre_program_earnings__median as pre_program_median,
        coalesce({{ stats }}.pre_program_earnings__denominator, 0) as pre_program_denominator
{%- endmacro %}

{#- The scorecard's values, each withheld by its own flag, as the published columns (names and
    types of mart.md): completed, completion_rate, exiters, the outcome rates and medians,
    earnings_change and tuition_cost, then the per-value flags is_<value>_suppressed and
    is_any_value_suppressed. Reads a relation's columns: exiters, completed, q2_numerator,
    q2_denominator, q4_numerator, q4_denominator, earnings_q2_median, credential_numerator,
    credential_denominator, pre_program_median, tuition_cost, and the booleans completion_withheld,
    employment_rate_q2_withheld, employment_rate_q4_withheld, median_earnings_q2_withheld,
    credential_attainment_rate_withheld, median_pre_program_earnings_withheld (the model decides
    them: macros/suppression.sql). earnings_change (quarterly dollars) is withheld with either of
    its medians. Dollars are rounded to cents (macro money, macros/types.sql). -#}
{% macro scorecard_value_columns() -%}
    cast(case when not completion_withheld then completed end as {{ dbt.type_bigint() }}) as completed,
    cast(case when not completion_withheld then {{ rate('completed', 'exiters') }} end as {{ type_double() }})
        as completion_rate,
    cast(exiters as {{ dbt.type_bigint() }}) as exiters,
    cast(case when not employment_rate_q2_withheld then {{ rate('q2_numerator', 'q2_denominator') }} end
        as {{ type_double() }}) as employment_rate_q2,
    cast(case when not employment_rate_q4_withheld then {{ rate('q4_numerator', 'q4_denominator') }} end
        as {{ type_double() }}) as employment_rate_q4,
    cast(case when not median_earnings_q2_withheld then {{ money('earnings_q2_median') }} end as {{ type_double() }})
        as median_earnings_q2,
    cast(case when not credential_attainment_rate_withheld
              then {{ rate('credential_numerator', 'credential_denominator') }} end as {{ type_double() }})
        as credential_attainment_rate,
    cast(case when not median_pre_program_earnings_withheld then {{ money('pre_program_median') }} end
        as {{ type_double() }}) as median_pre_program_earnings,
    cast(case when not (median_earnings_q2_withheld or median_pre_program_earnings_withheld)
              then {{ money(money('earnings_q2_median') ~ ' - ' ~ money('pre_program_median')) }} end
        as {{ type_double() }}) as earnings_change,
    cast(tuition_cost as decimal(14, 2)) as tuition_cost
{%- endmacro %}

{% macro scorecard_flag_columns() -%}
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
         or median_pre_program_earnings_withheld as {{ dbt.type_boolean() }}) as is_any_value_suppressed
{%- endmacro %}

{#- The scorecard's withheld values and their denominators: (value flag prefix, denominator
    column of scorecard_counts(), additive: a count over people that
    adds up across years, so complementary suppression applies; a median does not add up).
    completion's denominator is exiters. -#}
{% macro scorecard_withheld_values() -%}
    {{ return([
        ('completion', 'exiters', true),
        ('employment_rate_q2', 'q2_denominator', true),
        ('employment_rate_q4', 'q4_denominator', true),
        ('median_earnings_q2', 'earnings_q2_denominator', false),
        ('credential_attainment_rate', 'credential_denominator', true),
        ('median_pre_program_earnings', 'pre_program_denominator', false),
    ]) }}
{%- endmacro %}

{#- Primary suppression of one scorecard value (scorecard_withheld_values() names it) over `denominator`:
    completion is withheld when exiters are below the threshold (0 exiters too: nothing to show);
    an outcome when its denominator is above 0 and below it (0: not known yet, NULL without a
    flag). The rule is macros/suppression.sql's (is_suppressed, is_withheld). -#}
{% macro scorecard_primary_withheld(value, denominator) -%}
    {%- if value == 'completion' -%}
    {{ is_suppressed(denominator) }}
    {%- else -%}
    {{ is_withheld(denominator) }}
    {%- endif -%}
{%- endmacro %}

{#- How many exit program years rpt_provider_scorecard_pooled pools: the latest four with exiters,
    as TrainingProviderResults.gov pools a program's outcomes (mart.md). -#}
{% macro scorecard_pooled_years() -%}
    {{ return(4) }}
{%- endmacro %}
