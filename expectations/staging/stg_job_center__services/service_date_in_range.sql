-- service_date between 2000-01-01 and today
select _source_file, _row_number, service_date
from {batch}
where service_date not between date '2000-01-01' and current_date
