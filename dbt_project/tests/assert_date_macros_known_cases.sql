-- The date and median macros on hand-checked cases: the last day of a quarter, the first
-- day of the next, a year end, the program-year boundary (June 30 / July 1), and a median
-- over an even count (mean of the two middle values). Returns the cases that disagree.
with cases as (

    select cast('2023-03-31' as date) as d, '2023Q1' as expected_label, 8092 as expected_index, 2022 as expected_program_year
    union all select cast('2023-04-01' as date), '2023Q2', 8093, 2022
    union all select cast('2023-12-31' as date), '2023Q4', 8095, 2023
    union all select cast('2024-01-01' as date), '2024Q1', 8096, 2023
    union all select cast('2024-06-30' as date), '2024Q2', 8097, 2023
    union all select cast('2024-07-01' as date), '2024Q3', 8098, 2024

),

checked as (

    select
        d,
        {{ quarter_label('d') }} as actual_label,
        {{ quarter_index('d') }} as actual_index,
        {{ quarter_index_of('extract(year from d)', 'extract(quarter from d)') }} as actual_index_of,
        {{ year_of_quarter_index(quarter_index('d')) }} as actual_year,
        {{ quarter_of_quarter_index(quarter_index('d')) }} as actual_quarter,
        {{ program_year('d') }} as actual_program_year,
        expected_label,
        expected_index,
        expected_program_year
    from cases

),

date_failures as (

    select cast(d as {{ dbt.type_string() }}) as failing_case
    from checked
    where actual_label <> expected_label
       or actual_index <> expected_index
       or actual_index_of <> expected_index
       or actual_year <> extract(year from d)
       or actual_quarter <> extract(quarter from d)
       or actual_program_year <> expected_program_year

),

median_case as (

    select {{ median('x') }} as m
    from (
        select cast(10.01 as decimal(14, 2)) as x
        union all select cast(10.02 as decimal(14, 2))
        union all select cast(1 as decimal(14, 2))
        union all select cast(900 as decimal(14, 2))
        union all select cast(null as decimal(14, 2))
    ) as v

)

select failing_case from date_failures
union all
select 'median 10.015 != ' || cast(m as {{ dbt.type_string() }}) from median_case where abs(m - 10.015) > 1e-9
