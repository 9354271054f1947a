{#- Median of a numeric expression, NULLs ignored; with an even count, the mean of the two
    middle values. Computed in double precision: DuckDB's median() of a DECIMAL rounds the
    interpolated value back to the column's scale (median of 10.01 and 10.02 is 10.01). -#}
{% macro median(expr) -%}
    {{ return(adapter.dispatch('median', 'o4o')(expr)) }}
{%- endmacro %}

{% macro default__median(expr) -%}
    percentile_cont(0.5) within group (order by cast({{ expr }} as {{ type_double() }}))
{%- endmacro %}

{% macro duckdb__median(expr) -%}
    median(cast({{ expr }} as {{ type_double() }}))
{%- endmacro %}
