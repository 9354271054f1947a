{#- Small-cell suppression (mart.md, Privacy): a value whose denominator is below the
    threshold is withheld. The threshold is var('o4o_suppression_threshold'): o4o passes the
    O4O_SUPPRESSION_THRESHOLD setting as --vars (orchestration/settings.py dbt_vars), the same
    value the gates and the publish metadata use; dbt_project.yml holds the default (10). It is
    never allowed below 10. -#}
{% macro suppression_threshold() -%}
    {%- set threshold = var('o4o_suppression_threshold') -%}
    {%- set threshold = threshold | int -%}
    {%- if threshold < 10 -%}
        {{ exceptions.raise_compiler_error(
            "o4o_suppression_threshold is " ~ threshold ~ ": the mart never suppresses below 10 (mart.md)") }}
    {%- endif -%}
    {{ return(threshold) }}
{%- endmacro %}

{#- true when the denominator is below the threshold (a missing denominator counts as 0). -#}
{% macro is_suppressed(denominator_expr) -%}
    (coalesce({{ denominator_expr }}, 0) < {{ suppression_threshold() }})
{%- endmacro %}

{#- The value, or NULL when its denominator is below the threshold. -#}
{% macro suppress(value_expr, denominator_expr) -%}
    case when not {{ is_suppressed(denominator_expr) }} then {{ value_expr }} end
{%- endmacro %}

{#- true when a value with this denominator is withheld: above 0 and below the threshold (a
    denominator of 0 means "not known yet": the value is NULL, not withheld). -#}
{% macro is_withheld(denominator_expr) -%}
    (coalesce({{ denominator_expr }}, 0) > 0 and {{ is_suppressed(denominator_expr) }})
{%- endmacro %}

{#- Pooling over years (rpt_provider_scorecard_pooled; mart.md, Privacy), the one owner of the
    rule. The yearly rows stay published, so a pooled value must not give a withheld yearly value
    back by subtraction. A pooled value is withheld when
    - `primary_expr` holds (primary suppression of the pooled value over its pooled
      denominator), or
    - the value is additive (a count over people: completed over exiters, a rate's numerator over
      its denominator) and the window years whose yearly value is withheld have together a
      denominator `withheld_years_denominator_expr` (their sum) above 0 and below the threshold:
      the pooled value minus the shown years would be that small union.
    Medians do not add up: primary rule only (`additive=false`). Values derived from others
    (cost per completer, earnings change per tuition dollar, earnings change) take the flags of
    what they are derived from. SQL boolean, never NULL. -#}
{% macro pooled_value_withheld(primary_expr, withheld_years_denominator_expr, additive=true) -%}
    ({{ primary_expr }}
    {%- if additive %} or {{ is_withheld(withheld_years_denominator_expr) }}{% endif %})
{%- endmacro %}

{#- Complementary (secondary) suppression (mart.md, Privacy). Primary suppression withholds a
    cell whose denominator is below the threshold; the published cells of a rollup family
    (the streams under funding_stream = 'all', the areas under lwda_code = 'all', the groups of
    one equity dimension under their total) must then not give it back by subtraction.
    A family protects one secret of its cells (`members.secret`):
    - 'numerator' (rate indicators): never exactly one withheld numerator among cells with a
      denominator > 0 (the parent minus the shown children would be that cell; a cell with
      denominator 0 hides nothing), unless it is the family's only such cell (a parent whose
      children all have denominator 0 or no row, e.g. an 'all' row built on common exits whose
      program exits fall in another year: nothing to subtract it from). With `check_bounds`,
      when the parent's rate is neither 0 nor 1, the withheld children's numerators (the
      parent's minus the shown children's) must not come to 0 or to their denominators (that
      gives each away). Checked also when the family does not add up exactly (a rollup counts a
      co-enrolled person once): a reader who assumes it does would still get each cell right
      or nearly, so o4o withholds one more cell rather than publish that near-certainty;
    - 'denominator' (median earnings and retention, whose denominator is employment_rate_q2's
      numerator, or nearly): never exactly one withheld denominator.
    While a family breaks its rule, one more cell is withheld: a child before the parent, one
    that breaks the bound, the smallest denominator, then the lowest cell_id. Families
    overlap, so this repeats `passes` times (a dbt test per report checks that it settled).
    Coupling: a cell with `coupled_to` is withheld, denominator included, whenever the cell it
    is coupled to (employment_rate_q2 of the same key) is withheld; that cell is not itself
    coupled (coupled_cell gives employment_rate_q2 none).
    Each pass reads the pass before it and nothing else: the state is one row per cell and
    family it belongs to, family totals, the pick and the coupled cell's state are window
    functions over it. Engines that inline CTEs (Spark) then plan each pass once; when a pass
    joined the one before to itself and to the memberships, the plan doubled at every pass
    (measured on Spark 4.3: two passes took 30 s, four ran out of a 1 GB heap).
    Emits CTEs ending in `result` (cell_id, is_suppressed, is_denominator_withheld) from
    `cells` (cell_id, numerator, denominator, is_primary, is_denominator_withheld: false but
    for fixed cells, is_fixed: its state may not change, e.g. a total published in another
    table; coupled_to) and `members` (family_id, cell_id, is_parent, secret). -#}
{% macro complementary_suppression(cells, members, result, passes=10, check_bounds=true) -%}
    {#- a family that breaks its rule, and this row's cell could be withheld for it -#}
    {%- set is_candidate -%}
        coalesce(
            family_id is not null
            and ((protecting = 1 and secret_cells >= 2)
            {%- if check_bounds %}
                 or (family_secret = 'numerator' and protecting >= 2 and parent_shown = 1
                     and parent_numerator > 0 and parent_numerator < parent_denominator
                     and (hidden_numerator = 0 or hidden_numerator = hidden_denominator))
            {%- endif %})
            and not is_fixed
            and not is_pinned
            and ((family_secret = 'numerator' and not is_suppressed and denominator > 0)
                 or (family_secret = 'denominator' and not is_denominator_withheld)),
            false)
    {%- endset %}
    {{ result }}__start as (

        select
            cell_id, numerator, denominator, is_fixed, coupled_to,
            is_primary as is_suppressed,
            is_denominator_withheld
        from {{ cells }}

    ),

    {{ result }}__pinned as (

        -- the only child of a family whose parent is fixed and shown equals that parent: that
        -- secret of it is public whatever this model does, so it never protects another cell
        select distinct m.cell_id, m.secret
        from {{ members }} as m
        inner join {{ result }}__start as c
            on c.cell_id = m.cell_id
        inner join (
            select m.family_id
            from {{ members }} as m
            inner join {{ result }}__start as c
                on c.cell_id = m.cell_id
            group by m.family_id
            having max(case when m.is_parent and c.is_fixed
                                 and not (case when m.secret = 'numerator' then c.is_suppressed
                                               else c.is_denominator_withheld end)
                            then 1 else 0 end) = 1
               and count(case when not m.is_parent and (m.secret = 'denominator' or c.denominator > 0) then 1 end) = 1
        ) as pinning
            on pinning.family_id = m.family_id
        where not m.is_parent
          and (m.secret = 'denominator' or c.denominator > 0)

    ),

    {{ result }}__pass_0 as (

        -- one row per cell and family it belongs to (one with no family when it has none),
        -- with the secret the family protects and whether the cell is pinned for it
        select
            c.*,
            m.family_id,
            m.is_parent,
            m.secret,
            families.secret as family_secret,
            pinned.cell_id is not null as is_pinned
        from {{ result }}__start as c
        left join {{ members }} as m
            on m.cell_id = c.cell_id
        left join (
            select m.family_id, max(m.secret) as secret
            from {{ members }} as m
            inner join {{ result }}__start as c
                on c.cell_id = m.cell_id
            group by m.family_id
        ) as families
            on families.family_id = m.family_id
        left join {{ result }}__pinned as pinned
            on pinned.cell_id = m.cell_id
           and pinned.secret = families.secret

    ),
    {%- for k in range(1, passes + 1) %}

    {{ result }}__families_{{ k }} as (

        select
            s.*,
            count(case when (secret = 'numerator' and is_suppressed and denominator > 0)
                         or (secret = 'denominator' and is_denominator_withheld) then 1 end)
                over (partition by family_id) as protecting,
            -- cells that hold the secret at all: a family of one such cell has nothing to subtract
            count(case when secret = 'denominator' or denominator > 0 then 1 end)
                over (partition by family_id) as secret_cells,
            max(case when is_parent and not is_suppressed then 1 else 0 end)
                over (partition by family_id) as parent_shown,
            sum(case when is_parent then denominator else 0 end) over (partition by family_id) as parent_denominator,
            sum(case when is_parent then numerator else 0 end) over (partition by family_id) as parent_numerator,
            sum(case when is_parent then numerator else 0 end) over (partition by family_id)
                - sum(case when not is_parent and not is_suppressed then numerator else 0 end)
                    over (partition by family_id) as hidden_numerator,
            sum(case when not is_parent and is_suppressed then denominator else 0 end)
                over (partition by family_id) as hidden_denominator
        from {{ result }}__pass_{{ k - 1 }} as s

    ),

    {{ result }}__ranked_{{ k }} as (

        select
            f.*,
            {{ is_candidate }} as is_candidate,
            row_number() over (
                partition by family_id
                order by
                    case when {{ is_candidate }} then 0 else 1 end,
                    case when is_parent then 1 else 0 end,
                    case when family_secret = 'numerator'
                          and ((hidden_numerator = 0 and numerator = 0)
                               or (hidden_numerator = hidden_denominator and numerator = denominator))
                         then 1 else 0 end,
                    denominator,
                    cell_id
            ) as preference
        from {{ result }}__families_{{ k }} as f

    ),

    {{ result }}__pass_{{ k }} as (

        -- a cell picked in any family is withheld (its denominator too when picked for it)
        select
            cell_id, numerator, denominator, is_fixed, coupled_to,
            is_suppressed
                or max(case when is_candidate and preference = 1 then 1 else 0 end) over (partition by cell_id) = 1
                or {{ _coupled_cell_withheld() }} as is_suppressed,
            is_denominator_withheld
                or max(case when is_candidate and preference = 1 and family_secret = 'denominator' then 1 else 0 end)
                       over (partition by cell_id) = 1
                or {{ _coupled_cell_withheld() }} as is_denominator_withheld,
            family_id, is_parent, secret, family_secret, is_pinned
        from {{ result }}__ranked_{{ k }}

    ),
    {%- endfor %}

    {{ result }} as (

        select distinct
            cell_id,
            is_suppressed or {{ _coupled_cell_withheld() }} as is_suppressed,
            is_denominator_withheld or {{ _coupled_cell_withheld() }} as is_denominator_withheld
        from {{ result }}__pass_{{ passes }}

    )
{%- endmacro %}

{#- Whether the cell a row is coupled to (coupled_to) is withheld: a window over the couple
    (that cell, which is not coupled itself, and the cells coupled to it). False when none. -#}
{% macro _coupled_cell_withheld() -%}
    coalesce(case when coupled_to is not null
                  then max(case when coupled_to is null and is_suppressed then 1 else 0 end)
                           over (partition by coalesce(coupled_to, cell_id)) = 1 end, false)
{%- endmacro %}
