{#- Incremental wage models: when a wage quarter lands, recompute only what it touches.

    The loader appends a new wage file's rows to raw.wage_records (replacing earlier rows
    with the same key) and records in raw.load_state when it last *rebuilt* the table from
    every file (orchestration/ingest/loader.py). Each incremental wage model keeps per row
    `_loaded_at`, when the newest wage record behind the row was first delivered, and
    `_raw_rebuilt_at`. A build then
    - first forgets every row when raw.wage_records was rebuilt since (a file corrected in
      place or removed, another key): the model is built again from scratch;
    - recomputes the keys that records delivered after its newest `_loaded_at` touch
      (delete+insert on the model's unique key).
    The result equals a full build (tests/test_incremental.py). On engines other than
    DuckDB the models are plain tables. -#}

{% macro wage_materialization() -%}
    {{ return('incremental' if target.type == 'duckdb' else 'table') }}
{%- endmacro %}

{#- When the loader last rebuilt raw.<entity> from all its files (NULL when unknown). -#}
{% macro raw_rebuilt_at(entity) -%}
    {%- if target.type == 'duckdb' -%}
    (select max(rebuilt_at) from raw.load_state where entity = '{{ entity }}')
    {%- else -%}
    cast(null as {{ dbt.type_timestamp() }})
    {%- endif -%}
{%- endmacro %}

{#- pre_hook: start again from scratch when raw.<entity> was rebuilt (or nobody knows). -#}
{% macro forget_if_raw_rebuilt(entity) -%}
    {%- if is_incremental() -%}
    delete from {{ this }} where coalesce(_raw_rebuilt_at <> {{ raw_rebuilt_at(entity) }}, true)
    {%- endif -%}
{%- endmacro %}

{#- Rows delivered after everything this model already holds. -#}
{% macro delivered_since_last_build() -%}
    _loaded_at > (select coalesce(max(_loaded_at), cast('1900-01-01' as {{ dbt.type_timestamp() }})) from {{ this }})
{%- endmacro %}
