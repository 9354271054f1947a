select
    cast(participation_id as {{ dbt.type_string() }}) as participation_id,
    cast(individual_id as {{ dbt.type_string() }}) as individual_id,
    cast(funding_stream as {{ dbt.type_string() }}) as funding_stream,
    cast(lwda_code as {{ dbt.type_string() }}) as lwda_code,
    cast(entry_date as date) as entry_date,
    cast(exit_date as date) as exit_date,
    cast(exit_reason as {{ dbt.type_string() }}) as exit_reason,
    cast(age_at_entry as {{ dbt.type_int() }}) as age_at_entry,
    -- issue 16, optional columns (NULL when the file does not have them)
    cast(education_training_enrollment_date as date) as education_training_enrollment_date,
    cast(msg_date_efl as date) as msg_date_efl,
    cast(msg_date_secondary_transcript as date) as msg_date_secondary_transcript,
    cast(msg_date_postsecondary_transcript as date) as msg_date_postsecondary_transcript,
    cast(msg_date_training_milestone as date) as msg_date_training_milestone,
    cast(msg_date_skills_progression as date) as msg_date_skills_progression,
    cast(youth_placement_q2 as {{ dbt.type_int() }}) as youth_placement_q2,
    cast(youth_placement_q4 as {{ dbt.type_int() }}) as youth_placement_q4,
    cast(postsecondary_enrollment_date as date) as postsecondary_enrollment_date,
    cast(credential_type as {{ dbt.type_int() }}) as credential_type,
    cast(credential_date as date) as credential_date,
    _source_file,
    _row_number
from {{ source('job_center', 'participation') }}
