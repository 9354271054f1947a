-- Wages per worker, employer and calendar quarter (the grain of the UI wage record;
-- summed defensively should a corrected delivery ever repeat a key). Incremental: a new
-- wage file's records replace their keys' rows (macros/incremental.sql).
{{ config(
    materialized=wage_materialization(),
    unique_key=['participant_key', 'employer_id', 'quarter_index'],
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    pre_hook="{{ forget_if_raw_rebuilt('wage_records') }}",
) }}

select
    participant_key,
    employer_id,
    year,
    quarter,
    {{ quarter_index_of('year', 'quarter') }} as quarter_index,
    cast(sum(wages) as decimal(14, 2)) as wages,
    max(_loaded_at) as _loaded_at,
    {{ raw_rebuilt_at('wage_records') }} as _raw_rebuilt_at
from {{ ref('stg_labor_market__wage_records') }}
where participant_key is not null
{% if is_incremental() %}
  and {{ delivered_since_last_build() }}
{% endif %}
group by participant_key, employer_id, year, quarter
