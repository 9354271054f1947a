-- The calendar quarters the wage feed covers: exactly one row (NULLs when the feed is
-- empty, which makes every wage-based outcome unknown).
with bounds as (

    select
        min(quarter_index) as first_quarter_index,
        max(quarter_index) as latest_quarter_index
    from {{ ref('int_wages_by_person_employer_quarter') }}

)

select
    first_quarter_index,
    latest_quarter_index,
    {{ quarter_label_of(year_of_quarter_index('first_quarter_index'),
                        quarter_of_quarter_index('first_quarter_index')) }} as first_quarter,
    {{ quarter_label_of(year_of_quarter_index('latest_quarter_index'),
                        quarter_of_quarter_index('latest_quarter_index')) }} as latest_quarter
from bounds
