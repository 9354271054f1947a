{#- A model's custom schema (`+schema: marts`) is used as-is, without the target-schema
    prefix dbt adds by default: the published mart is the schema `marts`, whatever the target. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
