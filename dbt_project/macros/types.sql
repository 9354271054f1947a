{#- Column types across engines (docs/engines.md). Models cast with dbt.type_string(),
    dbt.type_int(), dbt.type_bigint(), dbt.type_boolean() and type_double() below; the YAML
    (contract data_type, unit-test fixtures) spells types as DuckDB and PostgreSQL do:
    varchar, integer, bigint, double precision, boolean, date, decimal(p, s). -#}

{#- 8-byte floating point. Not dbt.type_float(): that is a 4-byte FLOAT on DuckDB and Spark. -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'o4o')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double precision
{%- endmacro %}

{% macro spark__type_double() -%}
    double
{%- endmacro %}

{#- A YAML type as Spark spells it: Spark has no bare varchar/text (string) nor double precision. -#}
{% macro spark_data_type(data_type) -%}
    {%- set spelled = data_type | trim | lower -%}
    {%- set spark_types = {'varchar': 'string', 'text': 'string', 'character varying': 'string',
                           'double precision': 'double', 'integer': 'int'} -%}
    {{- return(spark_types.get(spelled, data_type)) -}}
{%- endmacro %}

{#- dbt's own casts from the YAML types on Spark: the empty-schema query of model contracts
    (dbt.cast) and the unit-test fixtures (dbt.safe_cast, as dbt-spark writes it). The root
    project's spark__ macros take precedence over dbt-spark's. -#}
{% macro spark__cast(field, type) -%}
    cast({{ field }} as {{ spark_data_type(type) }})
{%- endmacro %}

{% macro spark__safe_cast(field, type) -%}
    {%- set spark_type = spark_data_type(type) -%}
    {%- set field_clean = field.strip('"').strip("'") if (cast_from_string_unsupported_for(spark_type) and field is string) else field -%}
    cast({{ field_clean }} as {{ spark_type }})
{%- endmacro %}

{#- ISO day of the week: Monday 1 ... Sunday 7. -#}
{% macro iso_day_of_week(date_expr) -%}
    {{ return(adapter.dispatch('iso_day_of_week', 'o4o')(date_expr)) }}
{%- endmacro %}

{% macro default__iso_day_of_week(date_expr) -%}
    extract(isodow from {{ date_expr }})
{%- endmacro %}

{% macro spark__iso_day_of_week(date_expr) -%}
    extract(dayofweek_iso from {{ date_expr }})
{%- endmacro %}

{#- Money, in dollars, as published: rounded to cents. The money columns of the report tables are
    double precision (the contract's type), computed as medians, differences of medians or
    ratios, and would otherwise show float noise (7447.679999999999 for 7447.68); the fact and
    dimension tables hold money as decimal(14, 2) already. Half a cent rounds away from zero, in
    every engine alike (default__round_to_cents). The type stays double precision.
    `indicator` (optional): for a `value` column shared by rates and money (the indicator
    reports), the SQL expression of the row's indicator: only the money indicators - those of
    kind `median` in wioa_indicators() (macros/outcomes.sql), i.e. median_earnings_q2 - are
    rounded; a rate passes unchanged. The money columns are listed in the models' YAML as
    `meta: {money: true}`, or `meta: {money: indicator}` for such a shared column
    (tests/test_publish.py reads them). -#}
{% macro money(expr, indicator=none) -%}
    {%- if indicator is none -%}
    {{ adapter.dispatch('round_to_cents', 'o4o')(expr) }}
    {%- else -%}
    {%- set names = [] -%}
    {%- for ind in wioa_indicators() if ind.kind == 'median' %}{% do names.append("'" ~ ind.name ~ "'") %}{% endfor -%}
    case when {{ indicator }} in ({{ names | join(', ') }})
         then {{ adapter.dispatch('round_to_cents', 'o4o')(expr) }}
         else {{ expr }} end
    {%- endif -%}
{%- endmacro %}

{#- Every engine the same way: the double is first cut to six decimals (a decimal), then rounded
    to cents. A median of cents is a multiple of half a cent, but its double can fall on either side
    of it (9133.114999999999 or 9133.115000000002, depending on how the engine interpolates), and
    rounding the double itself then gave 9133.11 in one engine and 9133.12 in another. -#}
{% macro default__round_to_cents(expr) -%}
    cast(round(cast(cast({{ expr }} as {{ type_double() }}) as decimal(18, 6)), 2) as {{ type_double() }})
{%- endmacro %}
