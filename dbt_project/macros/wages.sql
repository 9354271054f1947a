{#- The primary employer of a worker's quarter (mart.md, fct_quarterly_earnings): the employer
    who paid the most; a tie goes to the lowest employer_id; an employer whose wages are NULL
    comes last. One rule, two spellings of the same ordering (macro primary_employer):
    - DuckDB: one aggregate, arg_min over the ordering key (measured for issue 17 at 1M
      participants, 18.7M worker quarters written to a new file: 14 s, where the window took 25 s);
    - other engines: the first row of a window ordered the same way.
    Unit test `wages_two_employers_ties_and_zero_wages` (int_wages_by_person_quarter) proves it
    on each engine the project's unit tests run on (tests/test_engines.py runs them on PostgreSQL).

    `employer_rows` holds participant_key, quarter_index, employer_id, wages and the columns in
    `carried`; the macro returns one row per (participant_key, quarter_index) with
    total_wages, employer_count, primary_employer_id and the aggregates in `carried`. -#}
{% macro wages_by_person_quarter(employer_rows, group_columns, carried) -%}
{%- set primary = primary_employer(employer_rows) -%}
select
    {{ group_columns | join(', ') }},
    cast(sum(wages) as decimal(14, 2)) as total_wages,
    cast(count(*) as {{ dbt.type_int() }}) as employer_count,
    {{ primary['column'] }} as primary_employer_id,
    {%- for name, aggregate in carried.items() %}
    {{ aggregate }} as {{ name }}{% if not loop.last %},{% endif %}
    {%- endfor %}
from {{ primary['rows'] }}
group by {{ group_columns | join(', ') }}
{%- endmacro %}

{#- The primary employer as an aggregate over `rows` (column) of the rows to aggregate (rows). -#}
{% macro primary_employer(employer_rows) -%}
    {{ return(adapter.dispatch('primary_employer', 'o4o')(employer_rows)) }}
{%- endmacro %}

{% macro duckdb__primary_employer(employer_rows) -%}
    {{ return({'rows': employer_rows,
               'column': 'arg_min(employer_id, (wages is null, -coalesce(wages, 0), employer_id))'}) }}
{%- endmacro %}

{% macro default__primary_employer(employer_rows) -%}
    {%- set ranked -%}
    (
        select
            *,
            row_number() over (
                partition by participant_key, quarter_index
                order by wages desc nulls last, employer_id
            ) as employer_rank
        from {{ employer_rows }}
    ) as ranked
    {%- endset -%}
    {{ return({'rows': ranked, 'column': 'max(case when employer_rank = 1 then employer_id end)'}) }}
{%- endmacro %}
