-- earnings_q2 only when employed_q2
select participation_id, employed_q2, earnings_q2
from {batch}
where earnings_q2 is not null and (employed_q2 is null or not employed_q2)
