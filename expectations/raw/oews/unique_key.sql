-- unique key: (area_code, soc_code, year), over the whole table
select b._source_file, b._row_number, b.area_code, b.soc_code, b.year
from {batch} b
join (
    select area_code, soc_code, year from raw.oews
    group by area_code, soc_code, year having count(*) > 1
) d on d.area_code = b.area_code and d.soc_code = b.soc_code and d.year = b.year
