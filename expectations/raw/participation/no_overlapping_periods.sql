-- One person's periods of participation in one funding stream do not overlap (a period without
-- exit_date is still open; a period that ends before it starts is the error of its own rule).
-- Both rows of an overlap are listed, each naming the other, over the whole table: a new
-- period can overlap one delivered earlier.
with periods as (
    select * from raw.participation
    where exit_date is null or exit_date >= entry_date
)
select
    a._source_file,
    a._row_number,
    a.participation_id,
    b.participation_id || ' (' || b._source_file || ' row ' || b._row_number || ')' as overlaps
from periods a
join periods b
    on b.individual_id = a.individual_id
    and b.funding_stream = a.funding_stream
    and b.participation_id <> a.participation_id
where a.entry_date <= coalesce(b.exit_date, date '9999-12-31')
    and b.entry_date <= coalesce(a.exit_date, date '9999-12-31')
