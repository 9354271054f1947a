-- week_ending between 2000-01-01 and the coming Saturday
select _source_file, _row_number, week_ending
from {batch}
where week_ending not between date '2000-01-01' and current_date + 6
