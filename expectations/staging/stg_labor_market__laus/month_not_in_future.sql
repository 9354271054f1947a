-- year and month not after the current month
select _source_file, _row_number, year, month
from {batch}
where year * 12 + month > extract(year from current_date) * 12 + extract(month from current_date)
