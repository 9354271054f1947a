{#- The federal reporting rules that are a setting or a constant, each read in one place. -#}

{#- 20 CFR 677.150(c): a participant exits once 90 consecutive days pass without a qualifying
    service. The same 90 days decide whether a re-entry merges into the earlier period of
    participation (int_participation_periods) and which exits form one common exit
    (int_common_exits): gap = next entry_date - previous exit_date, merged when <= 90. -#}
{% macro exit_gap_days() -%}
    {{ return(90) }}
{%- endmacro %}

{#- A service that keeps a period of participation open. Follow-up services never do
    (TEGL 10-16 Change 3, Exit; PIRL 901: the exit date is the last date of a service that is
    not self-service, information-only or follow-up). The feed has no self-service rows. -#}
{% macro is_qualifying_service(service_type_expr) -%}
    coalesce({{ service_type_expr }} <> 'follow_up', false)
{%- endmacro %}

{#- true: take the feed's periods and exits as they are (states whose exports already apply
    the 90-day rule); false (default): derive periods of participation by the 90-day rule.
    var('o4o_trust_feed_exits'): o4o passes the O4O_TRUST_FEED_EXITS setting as --vars; default in
    dbt_project.yml. -#}
{% macro trust_feed_exits() -%}
    {%- set raw = var('o4o_trust_feed_exits') | string | trim | lower -%}
    {%- if raw in ['1', 'true', 'yes', 'on'] -%}
        {{ return(true) }}
    {%- elif raw in ['0', 'false', 'no', 'off'] -%}
        {{ return(false) }}
    {%- endif -%}
    {{ exceptions.raise_compiler_error(
        "O4O_TRUST_FEED_EXITS / o4o_trust_feed_exits is '" ~ raw ~ "': use true or false") }}
{%- endmacro %}

{#- Quarters of run-out before an indicator row counts as final (rpt_eta9169_performance.is_final):
    every outcome quarter of the cohort must be at least this many quarters older than the
    latest wage quarter, because employers file wage records late. var('o4o_outcome_runout_quarters'):
    o4o passes the O4O_OUTCOME_RUNOUT_QUARTERS setting as --vars; default (2) in dbt_project.yml;
    a whole number >= 0. -#}
{% macro outcome_runout_quarters() -%}
    {%- set raw = var('o4o_outcome_runout_quarters') | string | trim -%}
    {%- if not raw.isdigit() -%}
        {{ exceptions.raise_compiler_error(
            "O4O_OUTCOME_RUNOUT_QUARTERS / o4o_outcome_runout_quarters is '" ~ raw ~ "': use a whole number of quarters >= 0") }}
    {%- endif -%}
    {{ return(raw | int) }}
{%- endmacro %}

{#- A date `years` years after year Y on (month, day), from integer SQL expressions: the
    bounds of an ETA-9169 cohort window (seeds/eta9169_report_periods.csv). -#}
{% macro report_period_date(year_expr, year_offset_expr, month_expr, day_expr) -%}
    {{ date_from_parts('(' ~ year_expr ~ ') + (' ~ year_offset_expr ~ ')', month_expr, day_expr) }}
{%- endmacro %}
