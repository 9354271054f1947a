-- soc_code in reference.soc_codes (flagged, not dropped: feeds.md)
select _source_file, _row_number, soc_code
from {batch}
where soc_code not in (select soc_code from reference.soc_codes where soc_code is not null)
