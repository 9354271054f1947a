{#- Warning (severity warn in the YAML): a PIRL 923 exclusion code used by a program it does
    not apply to (e.g. 05 foster care on an adult exit, or 06, which applies to Vocational
    Rehabilitation only). The exit then counts for performance; the feed may be wrong.
    `exclusions`: the seed of exclusion codes by program (exit_reason, funding_stream). -#}
{% test exit_reason_applies_to_program(model, exclusions) %}
    select participation_id, funding_stream, exit_reason
    from {{ model }} as exits
    where exit_reason in (select exit_reason from {{ exclusions }})
      and not exists (
          select 1 from {{ exclusions }} as e
          where e.exit_reason = exits.exit_reason
            and e.funding_stream = exits.funding_stream
      )
{% endtest %}
