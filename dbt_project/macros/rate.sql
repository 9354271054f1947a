{#- numerator / denominator as a ratio 0-1 in double precision; NULL when the denominator is 0 or NULL. -#}
{% macro rate(numerator_expr, denominator_expr) -%}
    case when {{ denominator_expr }} > 0
         then cast({{ numerator_expr }} as {{ type_double() }}) / {{ denominator_expr }} end
{%- endmacro %}
