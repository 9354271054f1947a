-- unique key: (participant_key, year, quarter)
select b.participant_key, b.year, b.quarter
from {batch} b
join (
    select participant_key, year, quarter from {batch} all_rows
    group by participant_key, year, quarter having count(*) > 1
) d on d.participant_key = b.participant_key and d.year = b.year and d.quarter = b.quarter
