-- state: 2-letter postal code
select _source_file, _row_number, state
from {batch}
where not regexp_full_match(state, '[A-Z]{2}')
