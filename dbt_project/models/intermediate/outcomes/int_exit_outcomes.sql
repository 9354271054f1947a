-- The outcome rules of mart.md (fct_exit_outcomes), applied to every exit episode.
-- Quarters are counted with quarter_index (year * 4 + quarter - 1), so "exit + 2" of
-- 2023Q4 is 2024Q2. A quarter's outcome is known only when the wage feed covers it.
with episodes as (

    select * from {{ ref('int_exit_episodes') }}

),

bounds as (

    select
        first_quarter_index as first_wage_quarter_index,
        latest_quarter_index as latest_wage_quarter_index
    from {{ ref('int_wage_feed_bounds') }}

),

framed as (

    select
        episodes.*,
        {{ quarter_index('episodes.entry_date') }} as entry_quarter_index,
        {{ quarter_index('episodes.exit_date') }} as exit_quarter_index,
        bounds.first_wage_quarter_index,
        bounds.latest_wage_quarter_index
    from episodes
    cross join bounds

),

known as (

    select
        framed.*,
        {{ is_wage_quarter_known('exit_quarter_index + 2') }} as is_q2_known,
        {{ is_wage_quarter_known('exit_quarter_index + 4') }} as is_q4_known,
        {{ is_wage_quarter_known('entry_quarter_index - 2') }} as is_pre_program_known
    from framed

),

person_quarters as (

    -- state UI wages and, beside them, the supplemental sources (int_supplemental_wages_by_person_quarter:
    -- interstate, federal, military, supplemental): both are evidence of employment and both
    -- count in earnings (TEGL 10-16 Change 2, "Supplemental Wage Information")
    select participant_key as wage_key, quarter_index, total_wages,
        total_wages as ui_wages, cast(0 as decimal(14, 2)) as supplemental_wages,
        0 as has_interstate, 0 as has_federal, 0 as has_military, 0 as has_supplemental
    from {{ ref('int_wages_by_person_quarter') }}
    union all
    select participant_key, quarter_index, total_wages,
        cast(0 as decimal(14, 2)), total_wages,
        has_interstate, has_federal, has_military, has_supplemental
    from {{ ref('int_supplemental_wages_by_person_quarter') }}

),

episode_wages as (

    select
        known.exit_episode_id,
        sum(case when w.quarter_index = known.exit_quarter_index + 2 then w.total_wages end) as wages_q2,
        sum(case when w.quarter_index = known.exit_quarter_index + 4 then w.total_wages end) as wages_q4,
        {%- for q in [2, 4] %}
        sum(case when w.quarter_index = known.exit_quarter_index + {{ q }} then w.ui_wages end) as ui_wages_q{{ q }},
        sum(case when w.quarter_index = known.exit_quarter_index + {{ q }} then w.supplemental_wages end)
            as supplemental_wages_q{{ q }},
        {%- for src in ['interstate', 'federal', 'military', 'supplemental'] %}
        max(case when w.quarter_index = known.exit_quarter_index + {{ q }} then w.has_{{ src }} else 0 end)
            as has_{{ src }}_q{{ q }},
        {%- endfor %}
        {%- endfor %}
        sum(case when w.quarter_index = known.entry_quarter_index - 2 then w.total_wages end) as wages_pre_program,
        max(case when w.quarter_index between known.exit_quarter_index + 1 and known.exit_quarter_index + 4
                  and w.total_wages > 0 then 1 else 0 end) as has_wages_year_after_exit
    from known
    inner join person_quarters as w
        on w.wage_key = known.wage_key
       and (w.quarter_index between known.exit_quarter_index + 1 and known.exit_quarter_index + 4
            or w.quarter_index = known.entry_quarter_index - 2)
    group by known.exit_episode_id

),

retained as (

    -- one employer with wages > 0 in both quarter exit+2 and exit+4
    select distinct known.exit_episode_id
    from known
    inner join {{ ref('int_wages_by_person_employer_quarter') }} as q2
        on q2.participant_key = known.wage_key
       and q2.quarter_index = known.exit_quarter_index + 2
       and q2.wages > 0
    inner join {{ ref('int_wages_by_person_employer_quarter') }} as q4
        on q4.participant_key = q2.participant_key
       and q4.employer_id = q2.employer_id
       and q4.quarter_index = known.exit_quarter_index + 4
       and q4.wages > 0

),

credentials_in_window as (

    -- dated between entry_date and exit_date + 365 days, both ends included
    select
        known.exit_episode_id,
        max(case when c.credential_type between 2 and 7 then 1 else 0 end) as has_postsecondary_credential,
        max(case when c.credential_type = 1 then 1 else 0 end) as has_secondary_diploma
    from known
    inner join {{ ref('int_exit_credentials') }} as c
        on c.exit_episode_id = known.exit_episode_id
    where c.credential_date >= known.entry_date
      and c.credential_date <= {{ dbt.dateadd('day', 365, 'known.exit_date') }}
    group by known.exit_episode_id

),

outcomes as (

    select
        known.*,
        case when known.is_q2_known then coalesce(episode_wages.wages_q2, 0) > 0 end as employed_q2,
        case when known.is_q4_known then coalesce(episode_wages.wages_q4, 0) > 0 end as employed_q4,
        episode_wages.wages_q2,
        {%- for q in [2, 4] %}
        -- where the quarter's wages came from: 'ui' and/or the supplemental sources, comma-separated
        case when coalesce(episode_wages.wages_q{{ q }}, 0) > 0 then
            substring(
                case when coalesce(episode_wages.ui_wages_q{{ q }}, 0) > 0 then ',ui' else '' end
                {%- for src in ['interstate', 'federal', 'military', 'supplemental'] %}
                || case when episode_wages.has_{{ src }}_q{{ q }} = 1 then ',{{ src }}' else '' end
                {%- endfor %}, 2)
        end as employment_source_q{{ q }},
        {%- endfor %}
        episode_wages.supplemental_wages_q2,
        -- TEGL 10-16 Change 2: a secondary diploma counts when the person is employed or enrolled
        -- in education or training leading to a postsecondary credential within a year after
        -- exit: a post-exit enrolment date in that year, or a Youth placement in Q2 / Q4 in
        -- occupational skills training or postsecondary education (PIRL 1900-1901 codes 1, 2)
        coalesce(known.postsecondary_enrollment_date > known.exit_date
                 and known.postsecondary_enrollment_date <= {{ dbt.dateadd('day', 365, 'known.exit_date') }}, false)
            or coalesce(known.youth_placement_q2 in (1, 2), false)
            or coalesce(known.youth_placement_q4 in (1, 2), false) as has_education_year_after_exit,
        case when known.is_pre_program_known
             then coalesce(episode_wages.wages_pre_program, 0) end as pre_program_earnings,
        coalesce(episode_wages.has_wages_year_after_exit, 0) = 1 as has_wages_year_after_exit,
        retained.exit_episode_id is not null as has_same_employer_q2_q4,
        coalesce(credentials_in_window.has_postsecondary_credential, 0) = 1 as has_postsecondary_credential,
        coalesce(credentials_in_window.has_secondary_diploma, 0) = 1 as has_secondary_diploma
    from known
    left join episode_wages
        on episode_wages.exit_episode_id = known.exit_episode_id
    left join retained
        on retained.exit_episode_id = known.exit_episode_id
    left join credentials_in_window
        on credentials_in_window.exit_episode_id = known.exit_episode_id

)

select
    exit_episode_id,
    episode_type,
    source_id,
    participant_key,
    wage_key,
    entry_date,
    exit_date,
    entry_quarter_index,
    exit_quarter_index,
    {{ quarter_label('exit_date') }} as exit_quarter,
    {{ program_year('exit_date') }} as exit_program_year,
    is_q2_known,
    is_q4_known,
    is_pre_program_known,
    employed_q2,
    employed_q4,
    cast(case when employed_q2 then wages_q2 end as decimal(14, 2)) as earnings_q2,
    cast(pre_program_earnings as decimal(14, 2)) as pre_program_earnings,
    in_credential_cohort,
    case
        when not in_credential_cohort then null
        -- not knowable until the year after exit has passed (judged by the wage feed)
        when not is_q4_known then null
        when has_postsecondary_credential then true
        when has_secondary_diploma and (has_wages_year_after_exit or has_education_year_after_exit) then true
        else false
    end as credential_attained,
    case when employed_q2 and is_q4_known then has_same_employer_q2_q4 end as retained_same_employer,
    -- Youth (PIRL 1900, 1901): employed, or in education or occupational skills training, in
    -- Q2 / Q4 after exit (placement codes 1-3); the report counts title I Youth exits only
    case when is_q2_known then employed_q2 or coalesce(youth_placement_q2 in (1, 2, 3), false) end
        as education_employment_q2,
    case when is_q4_known then employed_q4 or coalesce(youth_placement_q4 in (1, 2, 3), false) end
        as education_employment_q4,
    employment_source_q2,
    employment_source_q4,
    cast(case when employed_q2 then supplemental_wages_q2 end as decimal(14, 2)) as supplemental_earnings_q2
from outcomes
