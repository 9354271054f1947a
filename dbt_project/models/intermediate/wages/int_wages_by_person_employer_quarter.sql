-- Wages per worker, employer and calendar quarter (the grain of the UI wage record;
-- summed defensively should a corrected delivery ever repeat a key).
select
    participant_key,
    employer_id,
    year,
    quarter,
    {{ quarter_index_of('year', 'quarter') }} as quarter_index,
    cast(sum(wages) as decimal(14, 2)) as wages
from {{ ref('stg_labor_market__wage_records') }}
where participant_key is not null
group by participant_key, employer_id, year, quarter
