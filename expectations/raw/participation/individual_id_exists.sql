-- individual_id exists in participants: every period of the whole table, as a participant may have gone
select p._source_file, p._row_number, p.individual_id
from raw.participation p
left join (select distinct individual_id from raw.participants) f on f.individual_id = p.individual_id
where p.individual_id is not null and f.individual_id is null
