-- enrollment_date between 2000-01-01 and today
select _source_file, _row_number, enrollment_date
from {batch}
where enrollment_date not between date '2000-01-01' and current_date
