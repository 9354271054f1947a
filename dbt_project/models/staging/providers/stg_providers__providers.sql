select
    cast(provider_id as {{ dbt.type_string() }}) as provider_id,
    cast(provider_name as {{ dbt.type_string() }}) as provider_name,
    cast(entity_type as {{ dbt.type_int() }}) as entity_type,
    cast(county_fips as {{ dbt.type_string() }}) as county_fips,
    cast(state as {{ dbt.type_string() }}) as state,
    _source_file,
    _row_number
from {{ source('providers', 'providers') }}
