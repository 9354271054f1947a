{#- Calendar quarters and program years: every date rule of the mart lives here. -#}

{#- Quarter index of a date: year * 4 + quarter - 1, so consecutive quarters differ by 1
    across year ends (2023Q4 + 1 = 2024Q1). -#}
{% macro quarter_index(date_expr) -%}
    {{ return(adapter.dispatch('quarter_index', 'o4o')(date_expr)) }}
{%- endmacro %}

{% macro default__quarter_index(date_expr) -%}
    cast(extract(year from {{ date_expr }}) * 4 + extract(quarter from {{ date_expr }}) - 1 as {{ dbt.type_int() }})
{%- endmacro %}

{#- Quarter index of a (year, quarter) pair, as carried by the wage records. -#}
{% macro quarter_index_of(year_expr, quarter_expr) -%}
    cast(({{ year_expr }}) * 4 + ({{ quarter_expr }}) - 1 as {{ dbt.type_int() }})
{%- endmacro %}

{#- Year and quarter (1-4) of a quarter index. -#}
{% macro year_of_quarter_index(quarter_index_expr) -%}
    cast(floor(({{ quarter_index_expr }}) / 4.0) as {{ dbt.type_int() }})
{%- endmacro %}

{% macro quarter_of_quarter_index(quarter_index_expr) -%}
    cast(({{ quarter_index_expr }}) - 4 * floor(({{ quarter_index_expr }}) / 4.0) + 1 as {{ dbt.type_int() }})
{%- endmacro %}

{#- Text label 'YYYYQn' of a date. -#}
{% macro quarter_label(date_expr) -%}
    {{ return(adapter.dispatch('quarter_label', 'o4o')(date_expr)) }}
{%- endmacro %}

{% macro default__quarter_label(date_expr) -%}
    {{ quarter_label_of('extract(year from ' ~ date_expr ~ ')', 'extract(quarter from ' ~ date_expr ~ ')') }}
{%- endmacro %}

{#- Text label 'YYYYQn' of a (year, quarter) pair. -#}
{% macro quarter_label_of(year_expr, quarter_expr) -%}
    (cast(cast({{ year_expr }} as {{ dbt.type_int() }}) as {{ dbt.type_string() }}) || 'Q'
     || cast(cast({{ quarter_expr }} as {{ dbt.type_int() }}) as {{ dbt.type_string() }}))
{%- endmacro %}

{#- WIOA program year: July 1 of year Y through June 30 of Y + 1 is program year Y. -#}
{% macro program_year(date_expr) -%}
    cast(extract(year from {{ date_expr }})
         - case when extract(month from {{ date_expr }}) < 7 then 1 else 0 end as {{ dbt.type_int() }})
{%- endmacro %}

{#- A date from integer year, month and day parts (make_date exists on DuckDB, PostgreSQL and Spark). -#}
{% macro date_from_parts(year_expr, month_expr, day_expr) -%}
    {{ return(adapter.dispatch('date_from_parts', 'o4o')(year_expr, month_expr, day_expr)) }}
{%- endmacro %}

{% macro default__date_from_parts(year_expr, month_expr, day_expr) -%}
    make_date(cast({{ year_expr }} as {{ dbt.type_int() }}), cast({{ month_expr }} as {{ dbt.type_int() }}),
              cast({{ day_expr }} as {{ dbt.type_int() }}))
{%- endmacro %}
