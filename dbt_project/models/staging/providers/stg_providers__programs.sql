select
    cast(program_id as {{ dbt.type_string() }}) as program_id,
    cast(provider_id as {{ dbt.type_string() }}) as provider_id,
    cast(program_name as {{ dbt.type_string() }}) as program_name,
    cast(cip_code as {{ dbt.type_string() }}) as cip_code,
    cast(soc_code as {{ dbt.type_string() }}) as soc_code,
    cast(potential_outcome as {{ dbt.type_string() }}) as potential_outcome,
    cast(tuition_cost as decimal(14, 2)) as tuition_cost,
    cast(length_hours as {{ dbt.type_int() }}) as length_hours,
    cast(delivery_mode as {{ dbt.type_string() }}) as delivery_mode,
    cast(etpl_status as {{ dbt.type_string() }}) as etpl_status,
    _source_file,
    _row_number
from {{ source('providers', 'programs') }}
