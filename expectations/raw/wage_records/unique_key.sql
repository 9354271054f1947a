-- unique key: (participant_key, employer_id, year, quarter), over the whole table (participant_key
-- is the pseudonym of the delivered ssn). 20M rows at state scale: keys are first grouped by
-- their hash, and only the few keys whose hash repeats are grouped by value.
select b._source_file, b._row_number, b.participant_key, b.employer_id, b.year, b.quarter
from {batch} b
join (
    select participant_key, employer_id, year, quarter
    from raw.wage_records
    where hash(participant_key, employer_id, year, quarter) in (
        select hash(participant_key, employer_id, year, quarter) from raw.wage_records
        group by 1 having count(*) > 1
    )
    group by participant_key, employer_id, year, quarter
    having count(*) > 1
) d
    on d.participant_key = b.participant_key and d.employer_id = b.employer_id
    and d.year = b.year and d.quarter = b.quarter
