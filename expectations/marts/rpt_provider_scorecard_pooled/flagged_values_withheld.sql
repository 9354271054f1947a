-- a value whose flag is set is withheld (NULL), with the values derived from it: completion
-- (completed, completion_rate, cost_per_completer), earnings change (earnings_change,
-- annual_earnings_change_per_tuition_dollar, and the medians it is made of)
select program_id, exiters
from {batch}
where (is_completion_suppressed and (completed is not null or completion_rate is not null
                                     or cost_per_completer is not null))
   or (is_employment_rate_q2_suppressed and employment_rate_q2 is not null)
   or (is_employment_rate_q4_suppressed and employment_rate_q4 is not null)
   or (is_credential_attainment_rate_suppressed and credential_attainment_rate is not null)
   or (is_median_earnings_q2_suppressed and median_earnings_q2 is not null)
   or (is_median_pre_program_earnings_suppressed and median_pre_program_earnings is not null)
   or (is_earnings_change_suppressed and (earnings_change is not null
                                          or annual_earnings_change_per_tuition_dollar is not null))
