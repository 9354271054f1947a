-- no column named for PII: an SSN, a person's names or birth date
select table_name, column_name, column_name as pii_column
from {columns}
where lower(column_name) in ('ssn', 'social_security', 'social_security_number', 'first_name', 'last_name',
    'middle_name', 'full_name', 'name', 'date_of_birth', 'birth_date', 'birthdate', 'dob')
