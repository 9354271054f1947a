-- unique key: service_id, over the whole table
select _source_file, _row_number, service_id
from {batch}
where service_id in (
    select service_id from raw.services
    group by service_id having count(*) > 1
)
