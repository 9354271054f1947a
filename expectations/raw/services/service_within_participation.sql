-- service_date within the period of participation (an open period has no end); every service of
-- the whole table, as a period may have changed
select s._source_file, s._row_number, s.service_date, p.entry_date, p.exit_date
from raw.services s
join raw.participation p on p.participation_id = s.participation_id
where s.service_date not between p.entry_date and coalesce(p.exit_date, s.service_date)
