-- a row that is not suppressed shows its value
select indicator, denominator, value
from {batch}
where not is_suppressed and value is null
