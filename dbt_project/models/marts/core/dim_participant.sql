-- One row per participant_key. Several individual_ids can share a key (the same person
-- registered twice); they collapse to the most recently delivered record.
with participants as (

    select
        *,
        row_number() over (
            partition by participant_key
            order by _loaded_at desc, _source_file desc, _row_number desc, individual_id desc
        ) as recency_rank,
        count(*) over (partition by participant_key) as individual_count
    from {{ ref('stg_job_center__participants') }}
    where participant_key is not null

),

latest as (

    select * from participants where recency_rank = 1

)

select
    cast(participant_key as {{ dbt.type_string() }}) as participant_key,
    cast(birth_year as {{ dbt.type_int() }}) as birth_year,
    cast(sex as {{ dbt.type_int() }}) as sex,
    cast(
        -- ETA-9169: Hispanic/Latino first; then two or more races; then the one race
        case
            when hispanic = 1 then 'hispanic_latino'
            when (case when american_indian = 1 then 1 else 0 end
                  + case when asian = 1 then 1 else 0 end
                  + case when black = 1 then 1 else 0 end
                  + case when pacific_islander = 1 then 1 else 0 end
                  + case when white = 1 then 1 else 0 end) > 1 then 'more_than_one_race'
            when american_indian = 1 then 'american_indian_alaska_native'
            when asian = 1 then 'asian'
            when black = 1 then 'black'
            when pacific_islander = 1 then 'native_hawaiian_pacific_islander'
            when white = 1 then 'white'
            else 'not_reported'
        end as {{ dbt.type_string() }}) as race_ethnicity,
    cast(veteran as {{ dbt.type_int() }}) as veteran,
    cast(disability as {{ dbt.type_int() }}) as disability,
    cast(highest_education as {{ dbt.type_int() }}) as highest_education,
    cast(county_fips as {{ dbt.type_string() }}) as county_fips,
    cast(individual_count as {{ dbt.type_int() }}) as individual_count,
    cast(low_income as {{ dbt.type_int() }}) as low_income,
    -- issue 16 (optional feed columns): school status at entry [1401] and the barriers to
    -- employment (macros/outcomes.sql barrier_columns(); 1 yes, 0 no, 9 not disclosed)
    cast(school_status_at_entry as {{ dbt.type_int() }}) as school_status_at_entry,
    {%- for b in barrier_columns() %}
    cast({{ b }} as {{ dbt.type_int() }}) as {{ b }},
    {%- endfor %}
    -- 1 when any barrier, low income [802] included, is 1; else 0
    cast(case when low_income = 1{% for b in barrier_columns() %} or {{ b }} = 1{% endfor %} then 1 else 0 end
         as {{ dbt.type_int() }}) as has_barrier
from latest
