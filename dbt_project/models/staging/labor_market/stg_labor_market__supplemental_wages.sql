-- Supplemental wage records (issue 16): wages the state's UI records do not hold, by source
-- (TEGL 10-16 Change 2: the interstate exchange, federal and military employment records,
-- supplemental wage information documented by staff). participant_key is the SSN's pseudonym.
select
    cast(participant_key as {{ dbt.type_string() }}) as participant_key,
    cast(source as {{ dbt.type_string() }}) as source,
    cast(employer_id as {{ dbt.type_string() }}) as employer_id,
    cast(year as {{ dbt.type_int() }}) as year,
    cast(quarter as {{ dbt.type_int() }}) as quarter,
    cast(year * 4 + quarter - 1 as {{ dbt.type_int() }}) as quarter_index,
    cast(wages as decimal(14, 2)) as wages,
    _source_file,
    _row_number,
    _loaded_at
from {{ source('labor_market', 'supplemental_wages') }}
