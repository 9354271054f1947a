-- Wages per participant and calendar quarter. Only people in dim_participant: the UI wage
-- file covers every worker in the state, and the mart publishes participants only.
select
    cast(w.participant_key as {{ dbt.type_string() }}) as participant_key,
    cast(w.year as {{ dbt.type_int() }}) as year,
    cast(w.quarter as {{ dbt.type_int() }}) as quarter,
    cast(w.total_wages as decimal(14, 2)) as total_wages,
    cast(w.employer_count as {{ dbt.type_int() }}) as employer_count,
    cast(w.primary_employer_id as {{ dbt.type_string() }}) as primary_employer_id,
    cast(w.quarter_index as {{ dbt.type_int() }}) as quarter_index
from {{ ref('int_wages_by_person_quarter') }} as w
where w.participant_key in (select participant_key from {{ ref('dim_participant') }})
