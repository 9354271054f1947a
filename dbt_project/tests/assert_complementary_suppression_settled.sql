-- Privacy (mart.md): in the published reports no rollup family holds exactly one withheld
-- cell, so that no suppressed numerator (or withheld denominator) is the family's total minus
-- its shown cells. Families: the streams under funding_stream = 'all', the areas under
-- lwda_code = 'all', and an equity dimension's groups under their total (the row of
-- rpt_wioa_performance). A withheld numerator counts when its denominator is not known to be 0
-- (a median has none: it cannot be subtracted), in a family with another cell to subtract from.
-- A family whose parent row is not published (the Youth-only indicators have no
-- funding_stream = 'all' row; a stream with no common exit yet has none) gives nothing back.
-- Fails when complementary_suppression did not settle in its passes. Returns the families.
{%- set reports = [
    ('rpt_wioa_performance', ['exit_program_year', 'funding_stream', 'lwda_code']),
    ('rpt_eta9169_performance', ['report_program_year', 'funding_stream', 'lwda_code']),
    ('rpt_equity_outcomes', ['exit_program_year', 'funding_stream', 'lwda_code', 'dimension', 'group_value']),
] %}
{%- set checks = [] %}
{#- the Youth-only indicators (cohort is_youth_exit) have no funding_stream = 'all' row: their
    stream "family" is one cell with no total to subtract it from -#}
{%- set youth_only = [] %}{% for ind in wioa_indicators() if ind.cohort == 'is_youth_exit' %}{% do youth_only.append("'" ~ ind.name ~ "'") %}{% endfor %}
{%- for report, keys in reports %}
{%- for axis in ['funding_stream', 'lwda_code'] %}
{%- set family = [] %}{% for k in keys if k != axis %}{% do family.append(k) %}{% endfor %}
{%- do checks.append("select '" ~ report ~ "' as report, '" ~ axis ~ "' as family, "
    ~ cell_id(family + ['indicator']) ~ " as family_key, "
    ~ "count(case when is_suppressed and coalesce(denominator, 1) > 0 and indicator <> 'median_earnings_q2' then 1 end) as withheld_numerators, "
    ~ "count(case when denominator is null then 1 end) as withheld_denominators, "
    ~ "count(case when coalesce(denominator, 1) > 0 and indicator <> 'median_earnings_q2' then 1 end) as numerator_cells, "
    ~ "count(*) as cells, "
    ~ "max(case when " ~ axis ~ " = 'all' then 1 else 0 end) as has_parent "
    ~ "from " ~ ref(report)
    ~ (" where indicator not in (" ~ youth_only | join(', ') ~ ")" if axis == 'funding_stream' else "")
    ~ " group by " ~ (family + ['indicator']) | join(', ')) %}
{%- endfor %}
{%- endfor %}
{#- the summary withholds cost (funds_expended); a row with nobody served has none to hide -#}
{%- do checks.append("select 'rpt_eta9169_summary', axis, family_key, "
    ~ "count(case when is_suppressed and participants_served > 0 then 1 end), 0, "
    ~ "count(case when participants_served > 0 then 1 end), count(*), 1 from ("
    ~ "select 'funding_stream' as axis, " ~ cell_id(['report_program_year', 'lwda_code']) ~ " as family_key, is_suppressed, participants_served from " ~ ref('rpt_eta9169_summary')
    ~ " union all select 'lwda_code', " ~ cell_id(['report_program_year', 'funding_stream']) ~ ", is_suppressed, participants_served from " ~ ref('rpt_eta9169_summary')
    ~ ") as s group by axis, family_key") %}
with families as (

    {{ checks | join('\n    union all\n    ') }}

    union all

    -- an equity dimension's groups with their total, rpt_wioa_performance's row
    select
        'rpt_equity_outcomes', 'group_value',
        {{ cell_id(['e.exit_program_year', 'e.funding_stream', 'e.lwda_code', 'e.dimension', 'e.indicator']) }},
        count(case when e.is_suppressed and coalesce(e.denominator, 1) > 0 and e.indicator <> 'median_earnings_q2' then 1 end)
            + max(case when w.is_suppressed and coalesce(w.denominator, 1) > 0 and w.indicator <> 'median_earnings_q2' then 1 else 0 end),
        count(case when e.denominator is null then 1 end) + max(case when w.denominator is null then 1 else 0 end),
        -- the total is published in rpt_wioa_performance: while it is shown, a dimension with one
        -- group holding the secret shows that group's value whatever this report does (the
        -- macro's "pinned" cells), so only a withheld total counts among the cells here
        count(case when coalesce(e.denominator, 1) > 0 and e.indicator <> 'median_earnings_q2' then 1 end)
            + max(case when w.is_suppressed and coalesce(w.denominator, 1) > 0 and w.indicator <> 'median_earnings_q2' then 1 else 0 end),
        count(*) + max(case when w.denominator is null then 1 else 0 end),
        1
    from {{ ref('rpt_equity_outcomes') }} as e
    inner join {{ ref('rpt_wioa_performance') }} as w
        on w.exit_program_year = e.exit_program_year
       and w.funding_stream = e.funding_stream
       and w.lwda_code = e.lwda_code
       and w.indicator = e.indicator
    group by e.exit_program_year, e.funding_stream, e.lwda_code, e.dimension, e.indicator

)

select report, family, family_key, withheld_numerators, withheld_denominators
from families
-- a family of one cell holding the secret has nothing to subtract it from
where has_parent = 1
  and ((withheld_numerators = 1 and numerator_cells >= 2) or (withheld_denominators = 1 and cells >= 2))
