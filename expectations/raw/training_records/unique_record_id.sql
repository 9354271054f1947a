-- unique key: record_id, over the whole table
select _source_file, _row_number, record_id
from {batch}
where record_id in (
    select record_id from raw.training_records
    group by record_id having count(*) > 1
)
