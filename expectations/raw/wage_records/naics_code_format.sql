-- naics_code: NAICS 2022, 2-6 digits
select _source_file, _row_number, naics_code
from {batch}
where not regexp_full_match(naics_code, '[0-9]{2,6}')
