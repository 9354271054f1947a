-- The money macro (macros/types.sql) on hand-checked cases: float noise of a median goes
-- (7447.679999999999 -> 7447.68), a ratio is cut to cents (1000 / 3 -> 333.33, 2 / 3 -> 0.67),
-- half a cent rounds away from zero (0.125 and -0.125 are exact in binary: 0.13, -0.13), and with
-- `indicator` only median_earnings_q2 rows are rounded (a rate of 8 / 11 stays 0.7272...).
-- Returns the cases that disagree.
with cases as (

    select 'noise' as name, cast('median_earnings_q2' as {{ dbt.type_string() }}) as indicator,
           cast(7447.679999999999 as {{ type_double() }}) as x, cast(7447.68 as {{ type_double() }}) as expected
    union all select 'a third', 'median_earnings_q2', cast(1000 as {{ type_double() }}) / 3, 333.33
    union all select 'two thirds', 'median_earnings_q2', cast(2 as {{ type_double() }}) / 3, 0.67
    union all select 'half a cent', 'median_earnings_q2', 0.125, 0.13
    union all select 'minus half a cent', 'median_earnings_q2', -0.125, -0.13
    union all select 'whole dollars', 'median_earnings_q2', 4000, 4000
    -- half a cent whose double falls below or above it (engines interpolate medians differently)
    union all select 'half a cent, just below', 'median_earnings_q2', 9133.114999999999, 9133.12
    union all select 'half a cent, just above', 'median_earnings_q2', 9133.115000000002, 9133.12
    union all select 'a rate', 'employment_rate_q2', cast(8 as {{ type_double() }}) / 11, cast(8 as {{ type_double() }}) / 11

),

checked as (

    select
        name,
        x,
        expected,
        {{ money('x') }} as plain,
        {{ money('x', indicator='indicator') }} as by_indicator,
        indicator
    from cases

)

select name
from checked
where (indicator = 'median_earnings_q2' and (plain <> expected or by_indicator <> expected))
   or (indicator <> 'median_earnings_q2' and (by_indicator <> expected or plain <> 0.73))
