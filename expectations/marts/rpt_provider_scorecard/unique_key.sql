-- unique key: (program_id, exit_program_year)
select b.program_id, b.exit_program_year
from {batch} b
join (
    select program_id, exit_program_year from {batch} all_rows
    group by program_id, exit_program_year having count(*) > 1
) d on d.program_id = b.program_id and d.exit_program_year = b.exit_program_year
