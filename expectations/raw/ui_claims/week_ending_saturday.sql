-- week_ending is a Saturday (the end of a UI claims week)
select _source_file, _row_number, week_ending
from {batch}
where dayofweek(week_ending) <> 6
