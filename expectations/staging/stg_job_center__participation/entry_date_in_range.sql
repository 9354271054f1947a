-- entry_date between 2000-01-01 and today
select _source_file, _row_number, entry_date
from {batch}
where entry_date not between date '2000-01-01' and current_date
