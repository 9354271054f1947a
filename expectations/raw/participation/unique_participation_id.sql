-- unique key: participation_id, over the whole table
select _source_file, _row_number, participation_id
from {batch}
where participation_id in (
    select participation_id from raw.participation
    group by participation_id having count(*) > 1
)
