select
    cast(providers.provider_id as {{ dbt.type_string() }}) as provider_id,
    cast(providers.provider_name as {{ dbt.type_string() }}) as provider_name,
    cast(providers.entity_type as {{ dbt.type_int() }}) as entity_type,
    cast(providers.county_fips as {{ dbt.type_string() }}) as county_fips,
    cast(providers.state as {{ dbt.type_string() }}) as state,
    cast(areas.lwda_code as {{ dbt.type_string() }}) as lwda_code
from {{ ref('stg_providers__providers') }} as providers
left join {{ ref('area_crosswalk') }} as areas
    on areas.county_fips = providers.county_fips
