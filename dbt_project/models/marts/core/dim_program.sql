-- Programs with the titles of their CIP and SOC codes; a code missing from the reference
-- lists is kept (title NULL) and flagged.
select
    cast(programs.program_id as {{ dbt.type_string() }}) as program_id,
    cast(programs.provider_id as {{ dbt.type_string() }}) as provider_id,
    cast(programs.program_name as {{ dbt.type_string() }}) as program_name,
    cast(programs.cip_code as {{ dbt.type_string() }}) as cip_code,
    cast(cip.cip_title as {{ dbt.type_string() }}) as cip_title,
    cast(programs.soc_code as {{ dbt.type_string() }}) as soc_code,
    cast(soc.soc_title as {{ dbt.type_string() }}) as soc_title,
    cast(programs.potential_outcome as {{ dbt.type_string() }}) as potential_outcome,
    cast(programs.tuition_cost as decimal(14, 2)) as tuition_cost,
    cast(programs.length_hours as {{ dbt.type_int() }}) as length_hours,
    cast(programs.delivery_mode as {{ dbt.type_string() }}) as delivery_mode,
    cast(programs.etpl_status as {{ dbt.type_string() }}) as etpl_status,
    cast(programs.cip_code is null or cip.cip_code is not null as {{ dbt.type_boolean() }}) as is_cip_code_listed,
    cast(programs.soc_code is null or soc.soc_code is not null as {{ dbt.type_boolean() }}) as is_soc_code_listed
from {{ ref('stg_providers__programs') }} as programs
left join {{ ref('cip_codes') }} as cip
    on cip.cip_code = programs.cip_code
left join {{ ref('soc_codes') }} as soc
    on soc.soc_code = programs.soc_code
