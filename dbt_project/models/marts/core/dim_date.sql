-- One row per calendar day from var('o4o_date_spine_start') to var('o4o_date_spine_end'),
-- both included (dbt.date_spine excludes its end, hence the day added).
with days as (

    {{ dbt.date_spine(
        'day',
        "cast('" ~ var('o4o_date_spine_start') ~ "' as date)",
        dbt.dateadd('day', 1, "cast('" ~ var('o4o_date_spine_end') ~ "' as date)")
    ) }}

),

calendar as (

    select cast(date_day as date) as calendar_date
    from days

)

select
    calendar_date,
    cast(extract(year from calendar_date) as {{ dbt.type_int() }}) as year,
    cast(extract(quarter from calendar_date) as {{ dbt.type_int() }}) as quarter,
    cast(extract(month from calendar_date) as {{ dbt.type_int() }}) as month,
    cast(extract(day from calendar_date) as {{ dbt.type_int() }}) as day_of_month,
    cast({{ iso_day_of_week('calendar_date') }} as {{ dbt.type_int() }}) as iso_day_of_week,
    cast({{ quarter_label('calendar_date') }} as {{ dbt.type_string() }}) as quarter_label,
    {{ quarter_index('calendar_date') }} as quarter_index,
    {{ program_year('calendar_date') }} as program_year,
    cast({{ dbt.date_trunc('month', 'calendar_date') }} as date) as month_start_date,
    cast({{ dbt.date_trunc('quarter', 'calendar_date') }} as date) as quarter_start_date
from calendar
