-- Counties and the local workforce development area (LWDA) each belongs to.
select
    cast(county_fips as {{ dbt.type_string() }}) as county_fips,
    cast(county_name as {{ dbt.type_string() }}) as county_name,
    cast(lwda_code as {{ dbt.type_string() }}) as lwda_code,
    cast(lwda_name as {{ dbt.type_string() }}) as lwda_name,
    cast(state as {{ dbt.type_string() }}) as state
from {{ ref('area_crosswalk') }}
