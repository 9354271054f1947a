-- birth_year between 1900 and this year
select _source_file, _row_number, birth_year
from {batch}
where birth_year not between 1900 and extract(year from current_date)
