-- individual_id [100] is never an SSN (PIRL): nine digits, with or without dashes or spaces
select _source_file, _row_number, individual_id
from {batch}
where regexp_full_match(individual_id, '[0-9]{3}[- ]?[0-9]{2}[- ]?[0-9]{4}')
