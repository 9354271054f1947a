-- Skill gains and the enrollment in education or training happen during participation: none
-- dated before entry_date [900] (a gain after exit is allowed: PIRL records it up to the
-- end of the program year).
select _source_file, _row_number, entry_date, education_training_enrollment_date, msg_date_efl,
    msg_date_secondary_transcript, msg_date_postsecondary_transcript, msg_date_training_milestone,
    msg_date_skills_progression
from {batch}
where entry_date > least(coalesce(education_training_enrollment_date, date '9999-12-31'),
                         coalesce(msg_date_efl, date '9999-12-31'),
                         coalesce(msg_date_secondary_transcript, date '9999-12-31'),
                         coalesce(msg_date_postsecondary_transcript, date '9999-12-31'),
                         coalesce(msg_date_training_milestone, date '9999-12-31'),
                         coalesce(msg_date_skills_progression, date '9999-12-31'))
