-- Credentials that may count for an exit: for a WIOA exit, those of every training record
-- linked to the participant (int_participant_training_records); for a training-record
-- exit, the record's own. The window and code rules are applied in int_exit_outcomes.
select
    cast('participation:' || exits.participation_id as {{ dbt.type_string() }}) as exit_episode_id,
    links.record_id,
    links.credential_type,
    links.credential_date
from {{ ref('int_participation_exits') }} as exits
inner join {{ ref('int_participant_training_records') }} as links
    on links.individual_id = exits.individual_id
where links.credential_type > 0

union all

select
    cast('training_record:' || record_id as {{ dbt.type_string() }}) as exit_episode_id,
    record_id,
    credential_type,
    credential_date
from {{ ref('int_training_record_exits') }}
where credential_type > 0
