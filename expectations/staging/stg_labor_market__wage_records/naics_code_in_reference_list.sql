-- naics_code in reference.naics_codes (flagged, not dropped: feeds.md)
select _source_file, _row_number, naics_code
from {batch}
where naics_code not in (select naics_code from reference.naics_codes where naics_code is not null)
