select
    cast(record_id as {{ dbt.type_string() }}) as record_id,
    cast(program_id as {{ dbt.type_string() }}) as program_id,
    cast(participant_key as {{ dbt.type_string() }}) as participant_key,
    cast(ssn_key as {{ dbt.type_string() }}) as ssn_key,
    cast(name_dob_key as {{ dbt.type_string() }}) as name_dob_key,
    cast(birth_year as {{ dbt.type_int() }}) as birth_year,
    cast(age_at_enrollment as {{ dbt.type_int() }}) as age_at_enrollment,
    cast(enrollment_date as date) as enrollment_date,
    cast(completion_date as date) as completion_date,
    cast(completion_status as {{ dbt.type_string() }}) as completion_status,
    cast(credential_type as {{ dbt.type_int() }}) as credential_type,
    cast(credential_date as date) as credential_date,
    _source_file,
    _row_number
from {{ source('providers', 'training_records') }}
