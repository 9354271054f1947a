select
    cast(area_fips as {{ dbt.type_string() }}) as area_fips,
    cast(year as {{ dbt.type_int() }}) as year,
    cast(month as {{ dbt.type_int() }}) as month,
    cast(labor_force as {{ dbt.type_bigint() }}) as labor_force,
    cast(employed as {{ dbt.type_bigint() }}) as employed,
    cast(unemployed as {{ dbt.type_bigint() }}) as unemployed,
    cast(unemployment_rate as {{ type_double() }}) as unemployment_rate,
    _source_file,
    _row_number
from {{ source('labor_market', 'laus') }}
