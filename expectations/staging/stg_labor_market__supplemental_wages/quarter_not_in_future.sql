-- year and quarter not after the current quarter
select _source_file, _row_number, year, quarter
from {batch}
where year * 4 + quarter > extract(year from current_date) * 4 + extract(quarter from current_date)
