-- unique key: provider_id, over the whole table (a new delivery is compared with every earlier one)
select _source_file, _row_number, provider_id
from {batch}
where provider_id in (
    select provider_id from raw.providers
    group by provider_id having count(*) > 1
)
