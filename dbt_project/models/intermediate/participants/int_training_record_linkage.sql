-- One row per provider training record: how it reaches a job-center participant and the
-- UI wage records (mart.md, rpt_provider_scorecard). Participant links come from
-- int_participant_training_records (by SSN when both carry one, else by name + date of
-- birth). Wages are found through the record's own SSN, else through the SSN of the
-- participants sharing its name + date of birth, used only when that is exactly one SSN.
-- The linkage rate shown on the Dagster asset is an aggregate of this table.
with records as (

    select record_id, ssn_key, name_dob_key
    from {{ ref('stg_providers__training_records') }}

),

participant_links as (

    select
        record_id,
        count(distinct individual_id) as linked_individuals,
        max(case when linked_by = 'ssn' then 1 else 0 end) as has_ssn_link
    from {{ ref('int_participant_training_records') }}
    group by record_id

),

participant_ssn_by_name_dob as (

    select name_dob_key, min(ssn_key) as ssn_key
    from {{ ref('stg_job_center__participants') }}
    where ssn_key is not null and name_dob_key is not null
    group by name_dob_key
    having count(distinct ssn_key) = 1

),

workers_with_wages as (

    select distinct participant_key as wage_key
    from {{ ref('int_wages_by_person_employer_quarter') }}

),

linked as (

    select
        records.record_id,
        cast(case when participant_links.has_ssn_link = 1 then 'ssn'
                  when participant_links.record_id is not null then 'name_dob'
             end as {{ dbt.type_string() }}) as linked_by,
        cast(coalesce(participant_links.linked_individuals, 0) as {{ dbt.type_int() }}) as linked_individuals,
        coalesce(records.ssn_key, participant_ssn_by_name_dob.ssn_key) as wage_key,
        cast(case when records.ssn_key is not null then 'record_ssn'
                  when participant_ssn_by_name_dob.ssn_key is not null then 'participant_ssn'
             end as {{ dbt.type_string() }}) as wage_key_source
    from records
    left join participant_links
        on participant_links.record_id = records.record_id
    left join participant_ssn_by_name_dob
        on records.ssn_key is null
       and participant_ssn_by_name_dob.name_dob_key = records.name_dob_key

)

select
    linked.*,
    workers_with_wages.wage_key is not null as has_wage_records
from linked
left join workers_with_wages
    on workers_with_wages.wage_key = linked.wage_key
