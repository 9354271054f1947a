-- completion_date between 2000-01-01 and today
select _source_file, _row_number, completion_date
from {batch}
where completion_date not between date '2000-01-01' and current_date
