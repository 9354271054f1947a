-- suppression (mart.md, Privacy): a program with fewer pooled exiters than the threshold shows
-- none of its values; values_shown names those it shows
select program_id, exiters, values_shown
from (
    select
        program_id, exiters,
        concat_ws(', ',
            case when completed is not null then 'completed' end,
            case when completion_rate is not null then 'completion_rate' end,
            case when cost_per_completer is not null then 'cost_per_completer' end,
            case when employment_rate_q2 is not null then 'employment_rate_q2' end,
            case when employment_rate_q4 is not null then 'employment_rate_q4' end,
            case when credential_attainment_rate is not null then 'credential_attainment_rate' end,
            case when median_earnings_q2 is not null then 'median_earnings_q2' end,
            case when median_pre_program_earnings is not null then 'median_pre_program_earnings' end,
            case when earnings_change is not null then 'earnings_change' end,
            case when annual_earnings_change_per_tuition_dollar is not null
                 then 'annual_earnings_change_per_tuition_dollar' end
        ) as values_shown
    from {batch}
    where exiters < {suppression_threshold}
) below_threshold
where values_shown <> ''
