-- unique key: (area_fips, year, month), over the whole table
select b._source_file, b._row_number, b.area_fips, b.year, b.month
from {batch} b
join (
    select area_fips, year, month from raw.laus
    group by area_fips, year, month having count(*) > 1
) d on d.area_fips = b.area_fips and d.year = b.year and d.month = b.month
