-- unique key: (exit_program_year, funding_stream, lwda_code, dimension, group_value, indicator)
select b.exit_program_year, b.funding_stream, b.lwda_code, b.dimension, b.group_value, b.indicator
from {batch} b
join (
    select exit_program_year, funding_stream, lwda_code, dimension, group_value, indicator from {batch} all_rows
    group by exit_program_year, funding_stream, lwda_code, dimension, group_value, indicator having count(*) > 1
) d on d.exit_program_year = b.exit_program_year and d.funding_stream = b.funding_stream
    and d.lwda_code = b.lwda_code and d.dimension = b.dimension and d.group_value = b.group_value and d.indicator = b.indicator
