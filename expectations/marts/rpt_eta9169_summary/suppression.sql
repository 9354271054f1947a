-- suppression (mart.md, Privacy): a row serving fewer participants than the threshold is
-- suppressed, and a suppressed row shows neither funds expended nor the cost per participant
select report_program_year, funding_stream, lwda_code, participants_served, is_suppressed
from {batch}
where (participants_served < {suppression_threshold} and not is_suppressed)
   or (is_suppressed and (funds_expended is not null or cost_per_participant_served is not null))
