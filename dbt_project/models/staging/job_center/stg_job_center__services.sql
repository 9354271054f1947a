select
    cast(service_id as {{ dbt.type_string() }}) as service_id,
    cast(participation_id as {{ dbt.type_string() }}) as participation_id,
    cast(service_date as date) as service_date,
    cast(service_type as {{ dbt.type_string() }}) as service_type,
    cast(training_type as {{ dbt.type_string() }}) as training_type,
    cast(program_id as {{ dbt.type_string() }}) as program_id,
    cast(cost as decimal(14, 2)) as cost,
    _source_file,
    _row_number
from {{ source('job_center', 'services') }}
