-- area_fips: 5-digit county FIPS
select _source_file, _row_number, area_fips
from {batch}
where not regexp_full_match(area_fips, '[0-9]{5}')
