-- The labels of dim_participant's coded demographics (PIRL codes), one row per column and code.
select
    cast(column_name as {{ dbt.type_string() }}) as column_name,
    cast(pirl_element as {{ dbt.type_int() }}) as pirl_element,
    cast(code as {{ dbt.type_int() }}) as code,
    cast(label as {{ dbt.type_string() }}) as label
from {{ ref('pirl_demographic_codes') }}
