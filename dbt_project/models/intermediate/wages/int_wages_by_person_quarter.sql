-- Wages per worker and calendar quarter, summed over employers. Incremental: a (worker,
-- quarter) is recomputed from all its employers when a newly delivered record touches it
-- (macros/incremental.sql).
{{ config(
    materialized=wage_materialization(),
    unique_key=['participant_key', 'quarter_index'],
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    pre_hook="{{ forget_if_raw_rebuilt('wage_records') }}",
) }}

with employer_quarters as (

    select * from {{ ref('int_wages_by_person_employer_quarter') }}
    {% if is_incremental() %}
    where (participant_key, quarter_index) in (
        select participant_key, quarter_index
        from {{ ref('int_wages_by_person_employer_quarter') }}
        where {{ delivered_since_last_build() }}
    )
    {% endif %}

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
    max(case when employer_rank = 1 then employer_id end) as primary_employer_id,
    max(_loaded_at) as _loaded_at,
    {{ raw_rebuilt_at('wage_records') }} as _raw_rebuilt_at
from ranked
group by participant_key, year, quarter, quarter_index
