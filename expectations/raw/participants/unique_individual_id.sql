-- unique key: individual_id [100], over the whole table
select _source_file, _row_number, individual_id
from {batch}
where individual_id in (
    select individual_id from raw.participants
    group by individual_id having count(*) > 1
)
