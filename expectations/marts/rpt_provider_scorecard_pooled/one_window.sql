-- the window (first_exit_program_year .. last_exit_program_year) is the same on every row
select b.program_id, b.first_exit_program_year, b.last_exit_program_year
from {batch} b
join (
    select count(*) as windows
    from (select distinct first_exit_program_year, last_exit_program_year from {batch} rows_) w
) n on n.windows > 1
