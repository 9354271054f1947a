-- The WIOA indicator cells of rpt_equity_outcomes before suppression: one row per program year
-- of exit, funding stream and LWDA (each with an 'all' rollup), dimension, group and indicator,
-- from the same exits and rules as rpt_wioa_performance, the groups from dim_participant. A
-- table of its own because the report reads these cells in a dozen places (its families, its
-- totals, its suppression passes): engines that inline CTEs (Spark) planned the grouping sets
-- once per place and ran out of heap (docs/engines.md).
{%- set keys = ['exit_program_year', 'funding_stream', 'lwda_code', 'dimension', 'group_value'] %}
{#- dimension -> its group column in `exits` #}
{%- set equity_group_columns = {'sex': 'sex_group', 'race_ethnicity': 'race_ethnicity_group', 'age_group': 'age_group',
                                'veteran': 'veteran_group', 'disability': 'disability_group',
                                'low_income': 'low_income_group'} %}
{%- for b in barrier_columns() %}{% do equity_group_columns.update({'barrier_' ~ b: 'barrier_' ~ b ~ '_group'}) %}{% endfor %}
{%- do equity_group_columns.update({'has_barrier': 'has_barrier_group'}) %}
with exits as (

    select
        e.*,
        case p.sex when 1 then 'male' when 2 then 'female' else 'not_reported' end as sex_group,
        coalesce(p.race_ethnicity, 'not_reported') as race_ethnicity_group,
        case
            when e.age_at_entry is null then 'not_reported'
            when e.age_at_entry < 16 then '<16'
            when e.age_at_entry <= 18 then '16-18'
            when e.age_at_entry <= 24 then '19-24'
            when e.age_at_entry <= 44 then '25-44'
            when e.age_at_entry <= 54 then '45-54'
            when e.age_at_entry <= 59 then '55-59'
            else '60+'
        end as age_group,
        case p.veteran when 1 then 'yes' when 0 then 'no' else 'not_reported' end as veteran_group,
        case p.disability when 1 then 'yes' when 0 then 'no' else 'not_reported' end as disability_group,
        -- PIRL 802 low income
        case p.low_income when 1 then 'yes' when 0 then 'no' else 'not_reported' end as low_income_group,
        -- issue 16: each barrier to employment, and "has at least one barrier"
        {%- for b in barrier_columns() %}
        case p.{{ b }} when 1 then 'yes' when 0 then 'no' else 'not_reported' end as barrier_{{ b }}_group,
        {%- endfor %}
        case p.has_barrier when 1 then 'yes' when 0 then 'no' else 'not_reported' end as has_barrier_group
    from {{ ref('int_performance_exits') }} as e
    left join {{ ref('dim_participant') }} as p
        on p.participant_key = e.participant_key

),

dimensions as (

    select 'sex' as dimension
    union all select 'race_ethnicity'
    union all select 'age_group'
    union all select 'veteran'
    union all select 'disability'
    union all select 'low_income'
    -- a barrier's breakout exists once the feed carries that element for someone (an optional
    -- column, issue 16); "has at least one barrier" once it carries any of them
    {%- for b in barrier_columns() %}
    union all select 'barrier_{{ b }}' from (select 1 as one) as d
        where exists (select 1 from {{ ref('dim_participant') }} where {{ b }} is not null)
    {%- endfor %}
    union all select 'has_barrier' from (select 1 as one) as d
        where exists (select 1 from {{ ref('dim_participant') }}
                      where {% for b in barrier_columns() %}{{ b }} is not null{% if not loop.last %} or {% endif %}{% endfor %})

),

rollups as (

    -- each unit once per rollup key, its group in every dimension beside it
    {{ performance_rollups('exits', ['exit_program_year'] + equity_group_columns.values() | list,
                           performance_outcome_columns()) }}

),

by_group as (

    -- one grouping set per dimension, so the rows are never multiplied by the dimensions (at
    -- 1M participants that expansion, 17 dimensions x 4 rollups of every exit, filled the disk
    -- with spill). A group column is never NULL ('not_reported'), so in each set the one
    -- non-NULL group column names the dimension.
    select
        exit_program_year,
        scope,
        funding_stream,
        lwda_code,
        case
            {%- for dimension, column in equity_group_columns.items() %}
            when {{ column }} is not null then '{{ dimension }}'
            {%- endfor %}
        end as dimension,
        coalesce({{ equity_group_columns.values() | join(', ') }}) as group_value,
        {{ wioa_indicator_aggregates() }},
        {{ wioa_indicator_completeness() }}
    from rollups
    group by grouping sets (
        {%- for column in equity_group_columns.values() %}
        (exit_program_year, scope, funding_stream, lwda_code, {{ column }}){% if not loop.last %},{% endif %}
        {%- endfor %}
    )

),

aggregated as (

    -- the dimensions this feed has (a barrier's only once someone carries it)
    select by_group.*
    from by_group
    inner join dimensions
        on dimensions.dimension = by_group.dimension

)

-- a row wherever the indicator's outcome is known for someone: its existence says nothing
-- about the outcomes (a median row with nobody employed has denominator 0)
{{ wioa_indicator_cells('aggregated', keys, completeness=true, keep_when='outcomes_known > 0') }}

