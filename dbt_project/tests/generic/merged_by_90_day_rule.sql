{#- Warning (severity warn in the YAML): lists each period of participation that the 90-day
    rule built from more than one feed period (int_participation_periods), with the merged
    participation_ids, so that a state can check its export. Not an error: the rule applies
    the federal definition of exit (20 CFR 677.150(c)). O4O_TRUST_FEED_EXITS turns merging off. -#}
{% test merged_by_90_day_rule(model) %}
    select period_id, merged_participation_ids, period_member_count
    from {{ model }}
    where period_member_number = 1
      and period_member_count > 1
{% endtest %}
