-- Wages per worker and calendar quarter, summed over employers, with the primary employer
-- (macro `wages_by_person_quarter`, macros/wages.sql). Incremental: a (worker,
-- quarter) is recomputed from all its employers when a newly delivered record touches it
-- (macros/incremental.sql).
{{ config(
    materialized=wage_materialization(),
    unique_key=['participant_key', 'quarter_index'],
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    pre_hook="{{ forget_if_raw_rebuilt('wage_records') }}",
) }}

with employer_quarters as (

    select * from {{ ref('int_wages_by_person_employer_quarter') }}
    {% if is_incremental() %}
    where (participant_key, quarter_index) in (
        select participant_key, quarter_index
        from {{ ref('int_wages_by_person_employer_quarter') }}
        where {{ delivered_since_last_build() }}
    )
    {% endif %}

)

{{ wages_by_person_quarter('employer_quarters', ['participant_key', 'year', 'quarter', 'quarter_index'],
                           {'_loaded_at': 'max(_loaded_at)', '_raw_rebuilt_at': raw_rebuilt_at('wage_records')}) }}
