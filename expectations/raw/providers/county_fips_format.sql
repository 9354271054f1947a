-- county_fips: 5 digits
select _source_file, _row_number, county_fips
from {batch}
where not regexp_full_match(county_fips, '[0-9]{5}')
