-- Credentials that may count for an exit: for a WIOA exit, those of every training record
-- linked to the participant (int_participant_training_records) and the case record's own; for a common exit, those of
-- each of its exits; for a training-record exit, the record's own. The window and code rules
-- are applied in int_exit_outcomes.
with participation_credentials as (

    select
        exits.participation_id,
        links.record_id,
        links.credential_type,
        links.credential_date
    from {{ ref('int_participation_exits') }} as exits
    inner join {{ ref('int_participant_training_records') }} as links
        on links.individual_id = exits.individual_id
    where links.credential_type > 0

    union all

    -- the case record's own credential (PIRL 1800 type, 1801 date; issue 16): like a provider
    -- record, the person's, on any of their periods; the window rule decides which exit it counts for
    select
        exits.participation_id,
        cast('case_record:' || p.participation_id as {{ dbt.type_string() }}) as record_id,
        p.credential_type,
        p.credential_date
    from {{ ref('int_participation_exits') }} as exits
    inner join {{ ref('stg_job_center__participation') }} as p
        on p.individual_id = exits.individual_id
    where p.credential_type > 0

)

select
    cast('participation:' || participation_id as {{ dbt.type_string() }}) as exit_episode_id,
    record_id,
    credential_type,
    credential_date
from participation_credentials

union all

select distinct
    cast('common_exit:' || members.common_exit_id as {{ dbt.type_string() }}) as exit_episode_id,
    credentials.record_id,
    credentials.credential_type,
    credentials.credential_date
from {{ ref('int_common_exits') }} as members
inner join participation_credentials as credentials
    on credentials.participation_id = members.participation_id

union all

select
    cast('training_record:' || record_id as {{ dbt.type_string() }}) as exit_episode_id,
    record_id,
    credential_type,
    credential_date
from {{ ref('int_training_record_exits') }}
where credential_type > 0
