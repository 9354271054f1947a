-- soc_code: SOC 2018, NN-NNNN
select _source_file, _row_number, soc_code
from {batch}
where not regexp_full_match(soc_code, '[0-9]{2}-[0-9]{4}')
