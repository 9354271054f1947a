-- program_id exists in programs: every service of the whole table
select s._source_file, s._row_number, s.program_id
from raw.services s
left join raw.programs p on p.program_id = s.program_id
where s.program_id is not null and p.program_id is null
