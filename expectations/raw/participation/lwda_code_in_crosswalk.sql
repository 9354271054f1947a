-- lwda_code exists in the area crosswalk (seeds/area_crosswalk.csv, read directly: raw gates
-- run before dbt loads the seeds)
select _source_file, _row_number, lwda_code
from {batch}
where lwda_code not in (
    select lwda_code from read_csv('{seeds}/area_crosswalk.csv', all_varchar = true)
    where lwda_code is not null
)
