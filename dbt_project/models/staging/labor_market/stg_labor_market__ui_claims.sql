select
    cast(week_ending as date) as week_ending,
    cast(county_fips as {{ dbt.type_string() }}) as county_fips,
    cast(initial_claims as {{ dbt.type_bigint() }}) as initial_claims,
    cast(continued_claims as {{ dbt.type_bigint() }}) as continued_claims,
    _source_file,
    _row_number
from {{ source('labor_market', 'ui_claims') }}
