-- unique key: (participant_key, source, employer_id, year, quarter) over the whole table; an
-- employer id may be empty (supplemental wage information often has none): empty equals empty.
select b._source_file, b._row_number, b.participant_key, b.source, b.employer_id, b.year, b.quarter
from {batch} b
join (
    select participant_key, source, coalesce(employer_id, '') as employer_id, year, quarter
    from raw.supplemental_wages
    group by 1, 2, 3, 4, 5
    having count(*) > 1
) d
    on d.participant_key = b.participant_key and d.source = b.source
    and d.employer_id = coalesce(b.employer_id, '') and d.year = b.year and d.quarter = b.quarter
