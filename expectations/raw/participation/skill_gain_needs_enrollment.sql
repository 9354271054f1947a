-- A measurable skill gain (PIRL 1806-1810) is counted for a period of participation in
-- education or training (PIRL 1811, TEGL 10-16 Change 2, Attachment 5): a gain date without
-- the enrollment date cannot be placed in the indicator's denominator.
select _source_file, _row_number, msg_date_efl, msg_date_secondary_transcript, msg_date_postsecondary_transcript,
    msg_date_training_milestone, msg_date_skills_progression
from {batch}
where education_training_enrollment_date is null
  and coalesce(msg_date_efl, msg_date_secondary_transcript, msg_date_postsecondary_transcript,
               msg_date_training_milestone, msg_date_skills_progression) is not null
