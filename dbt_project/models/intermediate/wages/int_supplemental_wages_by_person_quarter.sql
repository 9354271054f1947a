-- Supplemental wages (labor_market/supplemental_wages, issue 16) per worker and calendar
-- quarter, summed over sources and employers, with which sources had wages > 0. Read beside
-- int_wages_by_person_quarter (state UI) by int_exit_outcomes; retention with the same
-- employer stays on UI employer accounts.
select
    participant_key,
    quarter_index,
    cast(sum(wages) as decimal(14, 2)) as total_wages,
    max(case when source = 'interstate' and wages > 0 then 1 else 0 end) as has_interstate,
    max(case when source = 'federal' and wages > 0 then 1 else 0 end) as has_federal,
    max(case when source = 'military' and wages > 0 then 1 else 0 end) as has_military,
    max(case when source = 'supplemental' and wages > 0 then 1 else 0 end) as has_supplemental
from {{ ref('stg_labor_market__supplemental_wages') }}
where participant_key is not null
group by participant_key, quarter_index
