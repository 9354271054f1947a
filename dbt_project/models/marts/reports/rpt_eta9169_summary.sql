-- The summary block of the ETA-9169 annual report: participants served and exited per report
-- program year, funding stream and LWDA (with 'all' rollups: a person once), and the cost per
-- participant served from services.cost. Windows from seeds/eta9169_report_periods.csv:
-- served during program year Y (July 1 Y - June 30 Y+1), exited April 1 Y - March 31 Y+1.
-- Periods of participation by the 90-day rule (int_participation_periods). Cost values are
-- withheld, with complementary suppression, below the suppression threshold of participants.
{%- set keys = ['report_program_year', 'funding_stream', 'lwda_code'] %}
with periods as (

    select
        period_id,
        person_key,
        coalesce(funding_stream, 'unknown') as funding_stream,
        coalesce(lwda_code, 'unknown') as lwda_code,
        period_entry_date as entry_date,
        period_exit_date as exit_date
    from {{ ref('int_participation_periods') }}
    where period_member_number = 1

),

report_years as (

    select distinct program_year as report_program_year
    from {{ ref('dim_date') }}
    where calendar_date between (select min(entry_date) from periods)
                            and (select max(coalesce(exit_date, entry_date)) from periods)

),

windows as (

    select
        report_years.report_program_year,
        periods.report_item,
        {{ report_period_date('report_years.report_program_year', 'periods.from_year_offset',
                              'periods.from_month', 'periods.from_day') }} as window_from,
        {{ report_period_date('report_years.report_program_year', 'periods.to_year_offset',
                              'periods.to_month', 'periods.to_day') }} as window_to
    from report_years
    cross join {{ ref('eta9169_report_periods') }} as periods
    where periods.report_item in ('participants_served', 'participants_exited')

),

served as (

    -- a period overlapping program year Y (an active period: to this day)
    select windows.report_program_year, periods.person_key, periods.funding_stream, periods.lwda_code
    from periods
    inner join windows
        on windows.report_item = 'participants_served'
       and periods.entry_date <= windows.window_to
       and coalesce(periods.exit_date, cast('9999-12-31' as date)) >= windows.window_from

),

exited as (

    select windows.report_program_year, periods.person_key, periods.funding_stream, periods.lwda_code
    from periods
    inner join windows
        on windows.report_item = 'participants_exited'
       and periods.exit_date between windows.window_from and windows.window_to

),

costs as (

    -- services given during program year Y, charged to their period's stream and area
    select windows.report_program_year, periods.funding_stream, periods.lwda_code, services.cost
    from {{ ref('stg_job_center__services') }} as services
    inner join {{ ref('int_participation_periods') }} as members
        on members.participation_id = services.participation_id
    inner join periods
        on periods.period_id = members.period_id
    inner join windows
        on windows.report_item = 'participants_served'
       and services.service_date between windows.window_from and windows.window_to

),

rollups as (

    select false as all_streams, false as all_areas
    union all select false, true
    union all select true, false
    union all select true, true

),

people as (

    select
        s.report_program_year,
        case when r.all_streams then 'all' else s.funding_stream end as funding_stream,
        case when r.all_areas then 'all' else s.lwda_code end as lwda_code,
        s.person_key,
        s.kind
    from (
        select report_program_year, funding_stream, lwda_code, person_key, 'served' as kind from served
        union all
        select report_program_year, funding_stream, lwda_code, person_key, 'exited' as kind from exited
    ) as s
    cross join rollups as r

),

counts as (

    select
        report_program_year,
        funding_stream,
        lwda_code,
        count(distinct case when kind = 'served' then person_key end) as participants_served,
        count(distinct case when kind = 'exited' then person_key end) as participants_exited
    from people
    group by report_program_year, funding_stream, lwda_code

),

funds as (

    select
        c.report_program_year,
        case when r.all_streams then 'all' else c.funding_stream end as funding_stream,
        case when r.all_areas then 'all' else c.lwda_code end as lwda_code,
        sum(c.cost) as funds_expended
    from costs as c
    cross join rollups as r
    group by
        c.report_program_year,
        case when r.all_streams then 'all' else c.funding_stream end,
        case when r.all_areas then 'all' else c.lwda_code end

),

cells as (

    select
        counts.*,
        coalesce(funds.funds_expended, 0) as numerator,
        counts.participants_served as denominator,
        {{ cell_id(keys, prefix='counts.') }} as cell_id,
        {{ is_suppressed('counts.participants_served') }} as is_primary,
        false as is_denominator_withheld,
        false as is_fixed,
        cast(null as {{ dbt.type_string() }}) as coupled_to
    from counts
    left join funds
        on funds.report_program_year = counts.report_program_year
       and funds.funding_stream = counts.funding_stream
       and funds.lwda_code = counts.lwda_code

),

families as (

    {%- for axis in ['funding_stream', 'lwda_code'] %}
    {%- set family_keys = [] %}{% for k in keys if k != axis %}{% do family_keys.append(k) %}{% endfor %}
    select
        cast('numerator|{{ axis }}|' || {{ cell_id(family_keys) }} as {{ dbt.type_string() }}) as family_id,
        cell_id,
        {{ axis }} = 'all' as is_parent,
        cast('numerator' as {{ dbt.type_string() }}) as secret
    from cells
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

{{ complementary_suppression('cells', 'families', 'suppression', check_bounds=false) }},

served_windows as (

    select report_program_year, window_from, window_to from windows where report_item = 'participants_served'

),

exited_windows as (

    select report_program_year, window_from, window_to from windows where report_item = 'participants_exited'

)

select
    cast(c.report_program_year as {{ dbt.type_int() }}) as report_program_year,
    cast(c.funding_stream as {{ dbt.type_string() }}) as funding_stream,
    cast(c.lwda_code as {{ dbt.type_string() }}) as lwda_code,
    cast(sw.window_from as date) as served_from,
    cast(sw.window_to as date) as served_to,
    cast(c.participants_served as {{ dbt.type_bigint() }}) as participants_served,
    cast(ew.window_from as date) as exited_from,
    cast(ew.window_to as date) as exited_to,
    cast(c.participants_exited as {{ dbt.type_bigint() }}) as participants_exited,
    cast(case when not s.is_suppressed then c.numerator end as decimal(14, 2)) as funds_expended,
    cast(case when not s.is_suppressed then {{ money(rate('c.numerator', 'c.participants_served')) }} end
         as {{ type_double() }}) as cost_per_participant_served,
    cast(s.is_suppressed as {{ dbt.type_boolean() }}) as is_suppressed,
    cast(lwda.lwda_name as {{ dbt.type_string() }}) as lwda_name,
    cast(streams.funding_stream_label as {{ dbt.type_string() }}) as funding_stream_label
from cells as c
inner join suppression as s
    on s.cell_id = c.cell_id
inner join served_windows as sw
    on sw.report_program_year = c.report_program_year
inner join exited_windows as ew
    on ew.report_program_year = c.report_program_year
-- names beside the codes (dim_lwda holds the 'all' rollup too)
left join {{ ref('dim_lwda') }} as lwda
    on lwda.lwda_code = c.lwda_code
left join {{ ref('dim_funding_stream') }} as streams
    on streams.funding_stream = c.funding_stream
