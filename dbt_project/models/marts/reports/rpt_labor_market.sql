-- Monthly labor market per LWDA: LAUS unemployment (county rates weighted by labor force)
-- beside weekly UI claims summed to the month of the week's ending Saturday. Counties
-- outside the area crosswalk are kept under lwda_code 'unknown'.
with areas as (

    select county_fips, lwda_code from {{ ref('area_crosswalk') }}

),

lwda_names as (

    select lwda_code, max(lwda_name) as lwda_name
    from {{ ref('area_crosswalk') }}
    group by lwda_code

),

laus as (

    select
        coalesce(areas.lwda_code, 'unknown') as lwda_code,
        laus.year,
        laus.month,
        sum(laus.labor_force) as labor_force,
        sum(laus.employed) as employed,
        sum(laus.unemployed) as unemployed,
        sum(laus.unemployment_rate * laus.labor_force)
            / nullif(sum(case when laus.unemployment_rate is not null then laus.labor_force end), 0)
            as unemployment_rate,
        count(*) as laus_counties
    from {{ ref('stg_labor_market__laus') }} as laus
    left join areas
        on areas.county_fips = laus.area_fips
    group by coalesce(areas.lwda_code, 'unknown'), laus.year, laus.month

),

claims as (

    select
        coalesce(areas.lwda_code, 'unknown') as lwda_code,
        cast(extract(year from claims.week_ending) as {{ dbt.type_int() }}) as year,
        cast(extract(month from claims.week_ending) as {{ dbt.type_int() }}) as month,
        sum(claims.initial_claims) as initial_claims,
        sum(claims.continued_claims) as continued_claims,
        count(distinct claims.week_ending) as claim_weeks
    from {{ ref('stg_labor_market__ui_claims') }} as claims
    left join areas
        on areas.county_fips = claims.county_fips
    group by
        coalesce(areas.lwda_code, 'unknown'),
        cast(extract(year from claims.week_ending) as {{ dbt.type_int() }}),
        cast(extract(month from claims.week_ending) as {{ dbt.type_int() }})

),

combined as (

    select
        coalesce(laus.lwda_code, claims.lwda_code) as lwda_code,
        coalesce(laus.year, claims.year) as year,
        coalesce(laus.month, claims.month) as month,
        laus.labor_force,
        laus.employed,
        laus.unemployed,
        laus.unemployment_rate,
        claims.initial_claims,
        claims.continued_claims,
        claims.claim_weeks
    from laus
    full outer join claims
        on claims.lwda_code = laus.lwda_code
       and claims.year = laus.year
       and claims.month = laus.month

)

select
    cast(combined.lwda_code as {{ dbt.type_string() }}) as lwda_code,
    cast(lwda_names.lwda_name as {{ dbt.type_string() }}) as lwda_name,
    cast(combined.year as {{ dbt.type_int() }}) as year,
    cast(combined.month as {{ dbt.type_int() }}) as month,
    cast({{ date_from_parts('combined.year', 'combined.month', '1') }} as date) as month_start_date,
    cast(combined.labor_force as {{ dbt.type_bigint() }}) as labor_force,
    cast(combined.employed as {{ dbt.type_bigint() }}) as employed,
    cast(combined.unemployed as {{ dbt.type_bigint() }}) as unemployed,
    cast(combined.unemployment_rate as {{ type_double() }}) as unemployment_rate,
    cast(combined.initial_claims as {{ dbt.type_bigint() }}) as initial_claims,
    cast(combined.continued_claims as {{ dbt.type_bigint() }}) as continued_claims,
    cast(combined.claim_weeks as {{ dbt.type_int() }}) as claim_weeks
from combined
left join lwda_names
    on lwda_names.lwda_code = combined.lwda_code
