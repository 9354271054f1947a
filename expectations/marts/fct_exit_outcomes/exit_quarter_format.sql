-- exit_quarter: YYYYQn
select participation_id, exit_quarter
from {batch}
where not {matches}(exit_quarter, '^[0-9]{4}Q[1-4]$')
