select
    cast(area_code as {{ dbt.type_string() }}) as area_code,
    cast(soc_code as {{ dbt.type_string() }}) as soc_code,
    cast(year as {{ dbt.type_int() }}) as year,
    cast(occupation_title as {{ dbt.type_string() }}) as occupation_title,
    cast(employment as {{ dbt.type_bigint() }}) as employment,
    cast(employment_flag as {{ dbt.type_string() }}) as employment_flag,
    cast(median_annual_wage as decimal(14, 2)) as median_annual_wage,
    cast(median_annual_wage_flag as {{ dbt.type_string() }}) as median_annual_wage_flag,
    _source_file,
    _row_number
from {{ source('labor_market', 'oews') }}
