-- unique key: program_id
select b.program_id
from {batch} b
join (
    select program_id from {batch} all_rows
    group by program_id having count(*) > 1
) d on d.program_id = b.program_id
