-- Periods of participation by the 90-day rule (20 CFR 677.150(c); TEGL 10-16 Change 3):
-- a participant exits once 90 days pass without a qualifying service, and the date of exit
-- is the last qualifying service. A re-entry into the same program no more than 90 days
-- after an exit means that exit never happened. So the feed's periods of one person
-- (participant_key) and funding stream chain into one period while each starts at most 90
-- days after the latest exit before it (an active period keeps the chain open).
-- One row per feed period with the period it belongs to: period_id is the participation_id
-- of its first feed period, which keeps its entry, area and age; the exit and its reason are
-- the last member's, extended to the last qualifying service of any member.
-- trust_feed_exits() (O4O_TRUST_FEED_EXITS): every feed period is a period of its own, with
-- the feed's exit.
with participation as (

    select
        p.participation_id,
        p.individual_id,
        coalesce(k.participant_key, p.individual_id) as person_key,
        p.funding_stream,
        p.lwda_code,
        p.entry_date,
        p.exit_date,
        p.exit_reason,
        p.age_at_entry
    from {{ ref('stg_job_center__participation') }} as p
    left join {{ ref('stg_job_center__participants') }} as k
        on k.individual_id = p.individual_id

),

last_qualifying_services as (

    select participation_id, max(service_date) as last_service_date
    from {{ ref('stg_job_center__services') }}
    where {{ is_qualifying_service('service_type') }}
    group by participation_id

),

ordered as (

    select
        participation.*,
        last_qualifying_services.last_service_date,
        -- the latest exit of the person's earlier feed periods in the program (an active one: never)
        max(coalesce(participation.exit_date, cast('9999-12-31' as date))) over (
            partition by participation.person_key, participation.funding_stream
            order by participation.entry_date, participation.participation_id
            rows between unbounded preceding and 1 preceding
        ) as latest_exit_before
    from participation
    left join last_qualifying_services
        on last_qualifying_services.participation_id = participation.participation_id

),

chained as (

    select
        ordered.*,
        sum(case
                when {{ 'true' if trust_feed_exits() else 'false' }} then 1
                when latest_exit_before is null then 1
                when entry_date > {{ dbt.dateadd('day', exit_gap_days(), 'latest_exit_before') }} then 1
                else 0
            end) over (
            partition by person_key, funding_stream
            order by entry_date, participation_id
            rows between unbounded preceding and current row
        ) as period_number
    from ordered

),

members as (

    select
        chained.*,
        row_number() over (
            partition by person_key, funding_stream, period_number
            order by entry_date, participation_id
        ) as period_member_number,
        row_number() over (
            partition by person_key, funding_stream, period_number
            order by exit_date desc, entry_date desc, participation_id desc
        ) as exit_rank  -- 1: the member whose exit closes the period
    from chained

),

periods as (

    select
        person_key,
        funding_stream,
        period_number,
        count(*) as period_member_count,
        max(case when exit_date is null then 1 else 0 end) as has_active_member,
        max(exit_date) as latest_member_exit_date,
        max(last_service_date) as last_service_date,
        {{ dbt.listagg('participation_id', "','", 'order by entry_date, participation_id') }} as merged_participation_ids
    from members
    group by person_key, funding_stream, period_number

),

firsts as (

    select * from members where period_member_number = 1

),

closing as (

    select person_key, funding_stream, period_number, exit_reason
    from members
    where exit_rank = 1

)

select
    members.participation_id,
    firsts.participation_id as period_id,
    members.period_member_number,
    cast(periods.period_member_count as {{ dbt.type_int() }}) as period_member_count,
    cast(periods.merged_participation_ids as {{ dbt.type_string() }}) as merged_participation_ids,
    members.person_key,
    firsts.individual_id,
    members.funding_stream,
    firsts.lwda_code,
    firsts.entry_date as period_entry_date,
    -- NULL while any member is active; else the last exit, or a later qualifying service
    -- (the feed contract keeps services within their period; trusted exits are taken as they are)
    case when periods.has_active_member = 0
         then case when {{ 'false' if trust_feed_exits() else 'true' }}
                        and periods.last_service_date > periods.latest_member_exit_date
                   then periods.last_service_date else periods.latest_member_exit_date end
    end as period_exit_date,
    case when periods.has_active_member = 0 then closing.exit_reason end as period_exit_reason,
    firsts.age_at_entry
from members
inner join periods
    on periods.person_key = members.person_key
   and coalesce(periods.funding_stream, '') = coalesce(members.funding_stream, '')
   and periods.period_number = members.period_number
inner join firsts
    on firsts.person_key = members.person_key
   and coalesce(firsts.funding_stream, '') = coalesce(members.funding_stream, '')
   and firsts.period_number = members.period_number
inner join closing
    on closing.person_key = members.person_key
   and coalesce(closing.funding_stream, '') = coalesce(members.funding_stream, '')
   and closing.period_number = members.period_number
