-- area_fips in the area crosswalk (reference.area_crosswalk; flagged, not dropped: feeds.md)
select _source_file, _row_number, area_fips
from {batch}
where area_fips not in (select county_fips from reference.area_crosswalk where county_fips is not null)
