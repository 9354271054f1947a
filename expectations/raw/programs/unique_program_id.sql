-- unique key: program_id, over the whole table
select _source_file, _row_number, program_id
from {batch}
where program_id in (
    select program_id from raw.programs
    group by program_id having count(*) > 1
)
