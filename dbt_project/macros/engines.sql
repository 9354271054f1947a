{#- Engine differences that are not a SQL expression (docs/engines.md). -#}

{#- on-run-start: make the raw sources readable by the engine. DuckDB and PostgreSQL hold
    `raw.<entity>` as tables already (orchestration/dbt_targets.py copies them into PostgreSQL).
    Spark registers each source of schema `raw` as a table over the Parquet directory
    `<o4o_spark_dir>/raw/<table>` that orchestration/dbt_targets.py exported from the warehouse. -#}
{% macro register_raw_tables() -%}
    {{ return(adapter.dispatch('register_raw_tables', 'o4o')()) }}
{%- endmacro %}

{% macro default__register_raw_tables() -%}
{%- endmacro %}

{% macro spark__register_raw_tables() -%}
    {%- if execute -%}
        {%- set raw_dir = var('o4o_spark_dir') ~ '/raw' -%}
        {%- set tables = [] -%}
        {%- for source in graph.sources.values() if source.schema == 'raw' -%}
            {%- do tables.append(source.identifier) -%}
        {%- endfor -%}
        {%- do run_query('create schema if not exists raw') -%}
        {%- for table in tables | unique | sort -%}
            {%- do run_query('drop table if exists raw.' ~ table) -%}
            {%- do run_query("create table raw." ~ table ~ " using parquet location '" ~ raw_dir ~ "/" ~ table ~ "'") -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
