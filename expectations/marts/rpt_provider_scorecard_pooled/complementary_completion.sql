-- complementary suppression (mart.md, Privacy): the yearly rows (marts.rpt_provider_scorecard)
-- stay published, so the pooled completed count may not be shown while the window years whose
-- completion is withheld hold 1 to threshold - 1 exiters together (the pooled count minus the
-- shown years would be theirs). Exiters are published in both tables: this is checked on
-- published values alone.
select b.program_id, b.exiters, w.withheld_years_exiters
from {batch} b
join (
    select y.program_id,
        sum(case when y.is_completion_suppressed then y.exiters else 0 end) as withheld_years_exiters
    from marts.rpt_provider_scorecard y
    join (select distinct first_exit_program_year, last_exit_program_year from {batch} bounds) v
        on y.exit_program_year between v.first_exit_program_year and v.last_exit_program_year
    group by y.program_id
) w on w.program_id = b.program_id
where (b.completed is not null or b.completion_rate is not null)
  and w.withheld_years_exiters > 0 and w.withheld_years_exiters < {suppression_threshold}
