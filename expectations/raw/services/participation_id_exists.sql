-- participation_id exists in participation: every service of the whole table
select s._source_file, s._row_number, s.participation_id
from raw.services s
left join (select distinct participation_id from raw.participation) p on p.participation_id = s.participation_id
where s.participation_id is not null and p.participation_id is null
