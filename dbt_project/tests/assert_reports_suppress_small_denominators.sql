-- Privacy (mart.md): no published report shows a numerator or value computed over fewer
-- than the suppression threshold (never below 10), and is_suppressed says so exactly.
with indicator_rows as (

    select 'rpt_wioa_performance' as report, denominator, numerator, value, is_suppressed
    from {{ ref('rpt_wioa_performance') }}
    union all
    select 'rpt_equity_outcomes', denominator, numerator, value, is_suppressed
    from {{ ref('rpt_equity_outcomes') }}

)

select report, denominator, is_suppressed
from indicator_rows
where (denominator < {{ suppression_threshold() }}
       and (numerator is not null or value is not null or not is_suppressed))
   or (denominator >= {{ suppression_threshold() }} and is_suppressed)

union all

select 'rpt_provider_scorecard', exiters, is_suppressed
from {{ ref('rpt_provider_scorecard') }}
where exiters < {{ suppression_threshold() }}
  and (completed is not null or completion_rate is not null or not is_suppressed
       or employment_rate_q2 is not null or employment_rate_q4 is not null
       or median_earnings_q2 is not null or credential_attainment_rate is not null
       or median_pre_program_earnings is not null)
