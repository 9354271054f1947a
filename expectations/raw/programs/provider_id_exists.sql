-- provider_id exists in providers: every program of the whole table, as a provider may have gone
select p._source_file, p._row_number, p.provider_id
from raw.programs p
left join raw.providers pr on pr.provider_id = p.provider_id
where p.provider_id is not null and pr.provider_id is null
