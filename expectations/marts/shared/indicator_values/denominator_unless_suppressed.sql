-- required: denominator (withheld only in a suppressed row: complementary suppression, mart.md Privacy)
select indicator, denominator, is_suppressed
from {batch}
where denominator is null and not is_suppressed
