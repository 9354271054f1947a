-- program_id exists in programs: every record of the whole table, as a program may have gone
select t._source_file, t._row_number, t.program_id
from raw.training_records t
left join raw.programs p on p.program_id = t.program_id
where t.program_id is not null and p.program_id is null
