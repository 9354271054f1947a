-- Links job-center individuals to provider training records (mart.md): by SSN when both
-- sides carry one, else by the normalized name + date-of-birth key. When both carry an
-- SSN and the SSNs differ, the records are different people even if names match.
-- The two branches are disjoint (the second requires a missing SSN on one side).
with participants as (

    select individual_id, ssn_key, name_dob_key
    from {{ ref('stg_job_center__participants') }}

),

training_records as (

    select record_id, program_id, ssn_key, name_dob_key, credential_type, credential_date
    from {{ ref('stg_providers__training_records') }}

)

select
    p.individual_id,
    t.record_id,
    t.program_id,
    cast('ssn' as {{ dbt.type_string() }}) as linked_by,
    t.credential_type,
    t.credential_date
from participants as p
inner join training_records as t
    on t.ssn_key = p.ssn_key

union all

select
    p.individual_id,
    t.record_id,
    t.program_id,
    cast('name_dob' as {{ dbt.type_string() }}) as linked_by,
    t.credential_type,
    t.credential_date
from participants as p
inner join training_records as t
    on t.name_dob_key = p.name_dob_key
where p.ssn_key is null or t.ssn_key is null
