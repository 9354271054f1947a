-- Wages per worker and calendar quarter, summed over employers.
with employer_quarters as (

    select * from {{ ref('int_wages_by_person_employer_quarter') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by participant_key, quarter_index
            order by wages desc nulls last, employer_id
        ) as employer_rank
    from employer_quarters

)

select
    participant_key,
    year,
    quarter,
    quarter_index,
    cast(sum(wages) as decimal(14, 2)) as total_wages,
    cast(count(*) as {{ dbt.type_int() }}) as employer_count,
    max(case when employer_rank = 1 then employer_id end) as primary_employer_id
from ranked
group by participant_key, year, quarter, quarter_index
