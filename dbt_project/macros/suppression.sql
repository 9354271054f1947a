{#- Small-cell suppression (mart.md, Privacy): a value whose denominator is below the
    threshold is withheld. The threshold is the O4O_SUPPRESSION_THRESHOLD setting that the
    gates and the publish metadata also read (else `var('o4o_suppression_threshold')`,
    default 10), and is never allowed below 10. -#}
{% macro suppression_threshold() -%}
    {%- set threshold = env_var('O4O_SUPPRESSION_THRESHOLD', '') or var('o4o_suppression_threshold', 10) -%}
    {%- set threshold = threshold | int -%}
    {%- if threshold < 10 -%}
        {{ exceptions.raise_compiler_error(
            "o4o_suppression_threshold is " ~ threshold ~ ": the mart never suppresses below 10 (mart.md)") }}
    {%- endif -%}
    {{ return(threshold) }}
{%- endmacro %}

{#- true when the denominator is below the threshold (a missing denominator counts as 0). -#}
{% macro is_suppressed(denominator_expr) -%}
    (coalesce({{ denominator_expr }}, 0) < {{ suppression_threshold() }})
{%- endmacro %}

{#- The value, or NULL when its denominator is below the threshold. -#}
{% macro suppress(value_expr, denominator_expr) -%}
    case when not {{ is_suppressed(denominator_expr) }} then {{ value_expr }} end
{%- endmacro %}
