-- unique key: (report_program_year, funding_stream, lwda_code, indicator)
select b.report_program_year, b.funding_stream, b.lwda_code, b.indicator
from {batch} b
join (
    select report_program_year, funding_stream, lwda_code, indicator from {batch} all_rows
    group by report_program_year, funding_stream, lwda_code, indicator having count(*) > 1
) d on d.report_program_year = b.report_program_year and d.funding_stream = b.funding_stream
    and d.lwda_code = b.lwda_code and d.indicator = b.indicator
