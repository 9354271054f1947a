-- Measurable Skill Gains (TEGL 10-16 Change 2, Attachment 5; PIRL 1806-1811), the one primary
-- indicator that is not exit-based. One row per program year in which a period of
-- participation (int_participation_periods) was in education or training leading to a
-- credential or employment (PIRL 1811 dated on or before the year's end, and the period not
-- exited before the year began), in two scopes like int_performance_exits:
-- - scope 'program': the period (unit_id = period_id), for the per-program rows;
-- - scope 'common': the person in the year (unit_id = person_key), once for funding_stream = 'all'.
-- Denominator: those units, less periods exited for a reason that excludes them from
-- performance (pirl_exit_reason_exclusions). Numerator: at least one gain of any type
-- (PIRL 1806 EFL, 1807 postsecondary transcript, 1808 secondary transcript, 1809 training
-- milestone, 1810 skills progression) dated within the program year. The program-year window
-- is the seed's `measurable_skill_gains` row (participants during PY Y).
{%- set gains = ['msg_date_efl', 'msg_date_postsecondary_transcript', 'msg_date_secondary_transcript',
                 'msg_date_training_milestone', 'msg_date_skills_progression'] %}
with members as (

    select
        periods.period_id,
        periods.person_key,
        periods.funding_stream,
        periods.lwda_code,
        periods.period_exit_date,
        periods.period_exit_reason,
        p.entry_date,
        p.education_training_enrollment_date,
        {%- for g in gains %}
        p.{{ g }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ ref('int_participation_periods') }} as periods
    inner join {{ ref('stg_job_center__participation') }} as p
        on p.participation_id = periods.participation_id

),

window_rule as (

    select * from {{ ref('eta9169_report_periods') }}
    where report_item = 'measurable_skill_gains'

),

years as (

    -- every program year a date of the participation feed falls in (an active period counts
    -- up to the latest of them)
    {%- for c in ['entry_date', 'education_training_enrollment_date', 'period_exit_date'] + gains %}
    select distinct {{ program_year(c) }} as program_year from members where {{ c }} is not null
    {% if not loop.last %}union{% endif %}
    {%- endfor %}

),

windows as (

    select
        years.program_year,
        {{ report_period_date('years.program_year', 'w.from_year_offset', 'w.from_month', 'w.from_day') }} as year_from,
        {{ report_period_date('years.program_year', 'w.to_year_offset', 'w.to_month', 'w.to_day') }} as year_to
    from years
    cross join window_rule as w

),

periods as (

    select
        period_id,
        max(person_key) as person_key,
        max(funding_stream) as funding_stream,
        max(lwda_code) as lwda_code,
        max(period_exit_date) as exit_date,
        max(period_exit_reason) as exit_reason,
        min(education_training_enrollment_date) as enrollment_date
    from members
    -- Wagner-Peyser (title III) has no skill-gains indicator (WIOA sec. 116(b)(2)(A)(iii))
    where coalesce(funding_stream <> 'wagner_peyser', true)
    group by period_id
    having min(education_training_enrollment_date) is not null

),

gains as (

    {%- for g in gains %}
    select period_id, {{ g }} as gain_date from members where {{ g }} is not null
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

period_years as (

    select
        periods.*,
        windows.program_year,
        windows.year_from,
        windows.year_to,
        exclusions.exit_reason is not null
            and periods.exit_date <= windows.year_to as is_excluded,
        exists (
            select 1 from gains
            where gains.period_id = periods.period_id
              and gains.gain_date between windows.year_from and windows.year_to
        ) as skill_gain_achieved
    from periods
    inner join windows
        on periods.enrollment_date <= windows.year_to
       and coalesce(periods.exit_date >= windows.year_from, true)
    left join {{ ref('pirl_exit_reason_exclusions') }} as exclusions
        on exclusions.exit_reason = periods.exit_reason
       and exclusions.funding_stream = periods.funding_stream

),

counted as (

    select * from period_years where not is_excluded

)

select
    cast('program' as {{ dbt.type_string() }}) as scope,
    period_id as unit_id,
    coalesce(funding_stream, 'unknown') as funding_stream,
    coalesce(lwda_code, 'unknown') as lwda_code,
    program_year,
    year_from,
    year_to,
    skill_gain_achieved
from counted

union all

select
    cast('common' as {{ dbt.type_string() }}) as scope,
    person_key as unit_id,
    coalesce(funding_stream, 'unknown') as funding_stream,
    coalesce(lwda_code, 'unknown') as lwda_code,
    program_year,
    year_from,
    year_to,
    -- the person in the year: a gain in any of their periods
    max(case when skill_gain_achieved then 1 else 0 end) over (partition by person_key, program_year) = 1
        as skill_gain_achieved
from counted
