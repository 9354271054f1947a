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

{#- Spark seeds: dbt-spark's session mode puts each value into the INSERT between quotes without
    escaping it (dbt/adapters/spark/session.py, `_fix_binding`), so a label with an apostrophe
    (PIRL 408 "Bachelor's degree", seeds/pirl_demographic_codes.csv) broke the statement. This is
    dbt-spark's own spark__load_csv_rows with each text value's quote and backslash escaped for
    Spark SQL; the rows, types and batches are unchanged. -#}
{% macro spark__load_csv_rows(model, agate_table) %}
  {% set batch_size = get_batch_size() %}
  {% set column_override = model['config'].get('column_types', {}) %}
  {% set statements = [] %}
  {% for chunk in agate_table.rows | batch(batch_size) %}
      {% set bindings = [] %}
      {% for row in chunk %}
          {% for value in row %}
              {% do bindings.append(value.replace('\\', '\\\\').replace("'", "\\'") if value is string else value) %}
          {% endfor %}
      {% endfor %}
      {% set sql %}
          insert into {{ this.render() }} values
          {% for row in chunk -%}
              ({%- for col_name in agate_table.column_names -%}
                  {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
                  {%- set type = column_override.get(col_name, inferred_type) -%}
                    cast({{ get_binding_char() }} as {{type}})
                  {%- if not loop.last%},{%- endif %}
              {%- endfor -%})
              {%- if not loop.last%},{%- endif %}
          {%- endfor %}
      {% endset %}
      {% do adapter.add_query(sql, bindings=bindings, abridge_sql_log=True) %}
      {% if loop.index0 == 0 %}
          {% do statements.append(sql) %}
      {% endif %}
  {% endfor %}
  {{ return(statements[0]) }}
{% endmacro %}
