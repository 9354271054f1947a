{#- The primary employer of a worker's quarter (mart.md, fct_quarterly_earnings): the employer
    who paid the most; a tie goes to the lowest employer_id; an employer whose wages are NULL
    comes last. One rule, two spellings of the same ordering:
    - DuckDB: one aggregate, arg_min over the ordering key (measured for issue 17 at 1M
      participants, 18.7M worker quarters written to a new file: 14 s, where the window took 25 s);
    - other engines: the first row of a window ordered the same way.
    Unit test `wages_two_employers_ties_and_zero_wages` (int_wages_by_person_quarter) proves it
    on each engine the project's unit tests run on (tests/test_engines.py runs them on PostgreSQL).

    `employer_rows` holds participant_key, quarter_index, employer_id, wages and the columns in
    `carried`; the macro returns one row per (participant_key, quarter_index) with
    total_wages, employer_count, primary_employer_id and the aggregates in `carried`. -#}
{% macro wages_by_person_quarter(employer_rows, group_columns, carried) -%}
    {{ return(adapter.dispatch('wages_by_person_quarter', 'o4o')(employer_rows, group_columns, carried)) }}
{%- endmacro %}

{% macro duckdb__wages_by_person_quarter(employer_rows, group_columns, carried) -%}
select
    {{ group_columns | join(', ') }},
    cast(sum(wages) as decimal(14, 2)) as total_wages,
    cast(count(*) as {{ dbt.type_int() }}) as employer_count,
    arg_min(employer_id, (wages is null, -coalesce(wages, 0), employer_id)) as primary_employer_id,
    {%- for name, aggregate in carried.items() %}
    {{ aggregate }} as {{ name }}{% if not loop.last %},{% endif %}
    {%- endfor %}
from {{ employer_rows }}
group by {{ group_columns | join(', ') }}
{%- endmacro %}

{% macro default__wages_by_person_quarter(employer_rows, group_columns, carried) -%}
select
    {{ group_columns | join(', ') }},
    cast(sum(wages) as decimal(14, 2)) as total_wages,
    cast(count(*) as {{ dbt.type_int() }}) as employer_count,
    max(case when employer_rank = 1 then employer_id end) as primary_employer_id,
    {%- for name, aggregate in carried.items() %}
    {{ aggregate }} as {{ name }}{% if not loop.last %},{% endif %}
    {%- endfor %}
from (
    select
        *,
        row_number() over (
            partition by participant_key, quarter_index
            order by wages desc nulls last, employer_id
        ) as employer_rank
    from {{ employer_rows }}
) as ranked
group by {{ group_columns | join(', ') }}
{%- endmacro %}
