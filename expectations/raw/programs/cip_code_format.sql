-- cip_code: CIP 2020, NN.NNNN
select _source_file, _row_number, cip_code
from {batch}
where not regexp_full_match(cip_code, '[0-9]{2}\.[0-9]{4}')
