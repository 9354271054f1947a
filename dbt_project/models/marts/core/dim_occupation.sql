-- One row per SOC code: the reference list, plus any code that OEWS or a program uses
-- (kept and flagged, not dropped). median_annual_wage is the statewide OEWS value of the
-- latest year that has the code (a metro value only when no statewide one exists).
with oews_ranked as (

    select
        *,
        row_number() over (
            partition by soc_code
            order by case when length(area_code) = 2 then 0 else 1 end, year desc, area_code
        ) as preference
    from {{ ref('stg_labor_market__oews') }}
    where soc_code is not null

),

oews as (

    select * from oews_ranked where preference = 1

),

codes as (

    select soc_code from {{ ref('soc_codes') }}
    union
    select soc_code from oews
    union
    select soc_code from {{ ref('stg_providers__programs') }} where soc_code is not null

)

select
    cast(codes.soc_code as {{ dbt.type_string() }}) as soc_code,
    cast(coalesce(soc.soc_title, oews.occupation_title) as {{ dbt.type_string() }}) as soc_title,
    cast(oews.median_annual_wage as decimal(14, 2)) as median_annual_wage,
    cast(oews.median_annual_wage_flag as {{ dbt.type_string() }}) as median_annual_wage_flag,
    cast(oews.year as {{ dbt.type_int() }}) as wage_year,
    cast(oews.area_code as {{ dbt.type_string() }}) as wage_area_code,
    cast(soc.soc_code is not null as {{ dbt.type_boolean() }}) as is_soc_code_listed
from codes
left join {{ ref('soc_codes') }} as soc
    on soc.soc_code = codes.soc_code
left join oews
    on oews.soc_code = codes.soc_code
