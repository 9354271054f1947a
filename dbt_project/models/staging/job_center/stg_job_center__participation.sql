select
    cast(participation_id as {{ dbt.type_string() }}) as participation_id,
    cast(individual_id as {{ dbt.type_string() }}) as individual_id,
    cast(funding_stream as {{ dbt.type_string() }}) as funding_stream,
    cast(lwda_code as {{ dbt.type_string() }}) as lwda_code,
    cast(entry_date as date) as entry_date,
    cast(exit_date as date) as exit_date,
    cast(exit_reason as {{ dbt.type_string() }}) as exit_reason,
    cast(age_at_entry as {{ dbt.type_int() }}) as age_at_entry,
    _source_file,
    _row_number
from {{ source('job_center', 'participation') }}
