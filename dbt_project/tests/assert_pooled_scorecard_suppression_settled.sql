-- Privacy (mart.md): rpt_provider_scorecard_pooled shows no value that gives a withheld value
-- of rpt_provider_scorecard back by subtraction, and no value over too few people. Checked
-- apart from the model's macros: the withheld years are the published yearly rows' flags, the
-- denominators are recounted from the exits. For each pooled value shown (completed /
-- completion_rate over exiters; each rate over its own denominator; the medians over theirs):
-- fails when its pooled denominator is 1 to threshold - 1, or (additive values) when the window
-- years whose yearly value is withheld have together a denominator of 1 to threshold - 1.
-- Also fails when the window is not the latest four exit program years with exiters in
-- rpt_provider_scorecard, or differs between rows. Returns the offending (program, value) rows.
with pooled as (

    select * from {{ ref('rpt_provider_scorecard_pooled') }}

),

window_bounds as (

    select distinct first_exit_program_year, last_exit_program_year from pooled

),

exits as (

    select
        records.program_id,
        outcomes.exit_program_year,
        outcomes.employed_q2,
        outcomes.employed_q4,
        outcomes.earnings_q2,
        outcomes.credential_attained,
        outcomes.pre_program_earnings
    from {{ ref('int_training_record_exits') }} as records
    inner join {{ ref('int_exit_outcomes') }} as outcomes
        on outcomes.episode_type = 'training_record'
       and outcomes.source_id = records.record_id

),

year_denominators as (

    select
        program_id,
        exit_program_year,
        count(employed_q2) as q2,
        count(employed_q4) as q4,
        count(credential_attained) as credential
    from exits
    group by program_id, exit_program_year

),

withheld_years as (

    -- per program: the denominators of the window years whose published yearly value is withheld
    select
        yearly.program_id,
        sum(case when yearly.is_completion_suppressed then yearly.exiters else 0 end) as completion,
        sum(case when yearly.is_employment_rate_q2_suppressed then coalesce(d.q2, 0) else 0 end) as q2,
        sum(case when yearly.is_employment_rate_q4_suppressed then coalesce(d.q4, 0) else 0 end) as q4,
        sum(case when yearly.is_credential_attainment_rate_suppressed then coalesce(d.credential, 0) else 0 end)
            as credential
    from {{ ref('rpt_provider_scorecard') }} as yearly
    inner join window_bounds
        on yearly.exit_program_year between window_bounds.first_exit_program_year
                                        and window_bounds.last_exit_program_year
    left join year_denominators as d
        on d.program_id = yearly.program_id
       and d.exit_program_year = yearly.exit_program_year
    group by yearly.program_id

),

pooled_denominators as (

    select
        exits.program_id,
        count(employed_q2) as q2,
        count(employed_q4) as q4,
        count(case when employed_q2 then 1 end) as employed_q2,
        count(credential_attained) as credential,
        count(pre_program_earnings) as pre_program
    from exits
    inner join window_bounds
        on exits.exit_program_year between window_bounds.first_exit_program_year
                                       and window_bounds.last_exit_program_year
    group by exits.program_id

),

shown as (

    select
        pooled.program_id,
        'completion' as pooled_value,
        pooled.completed is not null or pooled.completion_rate is not null or pooled.cost_per_completer is not null
            as is_shown,
        pooled.exiters as pooled_denominator,
        coalesce(w.completion, 0) as withheld_years_denominator
    from pooled
    left join withheld_years as w on w.program_id = pooled.program_id
    union all
    select pooled.program_id, 'employment_rate_q2', pooled.employment_rate_q2 is not null,
        coalesce(d.q2, 0), coalesce(w.q2, 0)
    from pooled
    left join withheld_years as w on w.program_id = pooled.program_id
    left join pooled_denominators as d on d.program_id = pooled.program_id
    union all
    select pooled.program_id, 'employment_rate_q4', pooled.employment_rate_q4 is not null,
        coalesce(d.q4, 0), coalesce(w.q4, 0)
    from pooled
    left join withheld_years as w on w.program_id = pooled.program_id
    left join pooled_denominators as d on d.program_id = pooled.program_id
    union all
    select pooled.program_id, 'credential_attainment_rate', pooled.credential_attainment_rate is not null,
        coalesce(d.credential, 0), coalesce(w.credential, 0)
    from pooled
    left join withheld_years as w on w.program_id = pooled.program_id
    left join pooled_denominators as d on d.program_id = pooled.program_id
    union all
    -- medians do not add up: their pooled denominator only
    select pooled.program_id, 'median_earnings_q2',
        pooled.median_earnings_q2 is not null or pooled.earnings_change is not null,
        coalesce(d.employed_q2, 0), 0
    from pooled
    left join pooled_denominators as d on d.program_id = pooled.program_id
    union all
    select pooled.program_id, 'median_pre_program_earnings',
        pooled.median_pre_program_earnings is not null or pooled.earnings_change is not null,
        coalesce(d.pre_program, 0), 0
    from pooled
    left join pooled_denominators as d on d.program_id = pooled.program_id

),

scorecard_exit_years as (

    -- recounted here: each exit program year of the scorecard's exiters, and how many of them
    -- still have an unknown Q4 outcome
    select outcomes.exit_program_year,
           sum(case when outcomes.employed_q4 is null then 1 else 0 end) as q4_unknown
    from {{ ref('int_training_record_exits') }} as records
    inner join {{ ref('int_exit_outcomes') }} as outcomes
        on outcomes.episode_type = 'training_record' and outcomes.source_id = records.record_id
    group by outcomes.exit_program_year

),

expected_window as (

    -- the latest four exit program years with exiters, ending at the latest year in which no
    -- exiter's Q4 outcome is unknown (the latest year when there is none such)
    select min(exit_program_year) as first_exit_program_year, max(exit_program_year) as last_exit_program_year
    from (
        select exit_program_year, row_number() over (order by exit_program_year desc) as recency
        from scorecard_exit_years
        where exit_program_year <= (
            select coalesce(max(case when q4_unknown = 0 then exit_program_year end), max(exit_program_year))
            from scorecard_exit_years)
    ) as ranked
    where recency <= 4

)

select program_id, pooled_value, pooled_denominator, withheld_years_denominator
from shown
where is_shown
  and ((pooled_denominator > 0 and pooled_denominator < {{ suppression_threshold() }})
       or (withheld_years_denominator > 0 and withheld_years_denominator < {{ suppression_threshold() }}))

union all

select 'every row', 'the window', first_exit_program_year, last_exit_program_year
from window_bounds
where (select count(*) from window_bounds) > 1
   or not exists (
       select 1 from expected_window
       where expected_window.first_exit_program_year = window_bounds.first_exit_program_year
         and expected_window.last_exit_program_year = window_bounds.last_exit_program_year
   )
