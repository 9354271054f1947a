-- Privacy (mart.md): no published report shows a numerator or value computed over fewer
-- than the suppression threshold (never below 10); a suppressed row shows neither; a shown
-- row has its value and its denominator. (Complementary suppression may withhold a row whose
-- denominator is large: assert_complementary_suppression_settled checks those.)
with indicator_rows as (

    select 'rpt_wioa_performance' as report, denominator, numerator, value, is_suppressed
    from {{ ref('rpt_wioa_performance') }}
    union all
    select 'rpt_equity_outcomes', denominator, numerator, value, is_suppressed
    from {{ ref('rpt_equity_outcomes') }}
    union all
    select 'rpt_eta9169_performance', denominator, numerator, value, is_suppressed
    from {{ ref('rpt_eta9169_performance') }}

)

select report, denominator, is_suppressed
from indicator_rows
where (coalesce(denominator, 0) < {{ suppression_threshold() }} and not is_suppressed)
   or (is_suppressed and (numerator is not null or value is not null))
   or (not is_suppressed and (denominator is null or value is null))

union all

select 'rpt_provider_scorecard', exiters, is_suppressed
from {{ ref('rpt_provider_scorecard') }}
where exiters < {{ suppression_threshold() }}
  and (completed is not null or completion_rate is not null or not is_suppressed
       or employment_rate_q2 is not null or employment_rate_q4 is not null
       or median_earnings_q2 is not null or credential_attainment_rate is not null
       or median_pre_program_earnings is not null)

union all

select 'rpt_eta9169_summary', participants_served, is_suppressed
from {{ ref('rpt_eta9169_summary') }}
where (participants_served < {{ suppression_threshold() }} and not is_suppressed)
   or (is_suppressed and (funds_expended is not null or cost_per_participant_served is not null))
