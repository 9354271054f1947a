-- One row per local workforce development area (LWDA), plus the 'all' rollup of the report
-- tables, so every lwda_code of a report joins to exactly one name.
with areas as (

    select distinct lwda_code, lwda_name, state
    from {{ ref('area_crosswalk') }}

)

select
    cast(lwda_code as {{ dbt.type_string() }}) as lwda_code,
    cast(lwda_name as {{ dbt.type_string() }}) as lwda_name,
    cast(state as {{ dbt.type_string() }}) as state
from areas
union all
select
    cast('all' as {{ dbt.type_string() }}),
    cast('All local areas (statewide)' as {{ dbt.type_string() }}),
    cast(max(state) as {{ dbt.type_string() }})
from areas
