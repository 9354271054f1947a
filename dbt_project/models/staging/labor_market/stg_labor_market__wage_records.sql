select
    cast(participant_key as {{ dbt.type_string() }}) as participant_key,
    cast(ssn_key as {{ dbt.type_string() }}) as ssn_key,
    cast(employer_id as {{ dbt.type_string() }}) as employer_id,
    cast(naics_code as {{ dbt.type_string() }}) as naics_code,
    cast(year as {{ dbt.type_int() }}) as year,
    cast(quarter as {{ dbt.type_int() }}) as quarter,
    cast(wages as decimal(14, 2)) as wages,
    _source_file,
    _row_number,
    _loaded_at
from {{ source('labor_market', 'wage_records') }}
