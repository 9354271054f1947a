-- cip_code in reference.cip_codes (flagged, not dropped: feeds.md)
select _source_file, _row_number, cip_code
from {batch}
where cip_code not in (select cip_code from reference.cip_codes where cip_code is not null)
