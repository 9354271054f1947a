-- county_fips in the area crosswalk (reference.area_crosswalk; flagged, not dropped: feeds.md)
select _source_file, _row_number, county_fips
from {batch}
where county_fips not in (select county_fips from reference.area_crosswalk where county_fips is not null)
