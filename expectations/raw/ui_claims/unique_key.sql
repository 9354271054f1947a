-- unique key: (week_ending, county_fips), over the whole table
select b._source_file, b._row_number, b.week_ending, b.county_fips
from {batch} b
join (
    select week_ending, county_fips from raw.ui_claims
    group by week_ending, county_fips having count(*) > 1
) d on d.week_ending = b.week_ending and d.county_fips = b.county_fips
