-- Relations between the outcome columns of fct_exit_outcomes that must always hold.
select participation_id, 'earnings_q2 present exactly when employed_q2' as broken_rule
from {{ ref('fct_exit_outcomes') }}
where (earnings_q2 is not null) <> coalesce(employed_q2, false)
   or earnings_q2 <= 0
union all
select participation_id, 'retained_same_employer only for employed_q2 with employed_q4 known'
from {{ ref('fct_exit_outcomes') }}
where retained_same_employer is not null
  and not (coalesce(employed_q2, false) and employed_q4 is not null)
union all
select participation_id, 'retained implies employed in Q4'
from {{ ref('fct_exit_outcomes') }}
where retained_same_employer and not coalesce(employed_q4, false)
union all
select participation_id, 'credential_attained only inside the credential cohort'
from {{ ref('fct_exit_outcomes') }}
where credential_attained is not null and not in_credential_cohort
union all
select participation_id, 'exit_date on or after entry_date'
from {{ ref('fct_exit_outcomes') }}
where exit_date < entry_date
