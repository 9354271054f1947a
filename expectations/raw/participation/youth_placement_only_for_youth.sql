-- The Youth placement in education or training in Q2 / Q4 after exit (PIRL 1900, 1901) is
-- reported for title I Youth only (TEGL 10-16 Change 2, Attachment 1): elsewhere it is a
-- coding error the partner must fix.
select _source_file, _row_number, funding_stream, youth_placement_q2, youth_placement_q4
from {batch}
where (youth_placement_q2 is not null or youth_placement_q4 is not null)
  and funding_stream <> 'youth'
