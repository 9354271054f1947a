-- The WIOA funding streams (programs) with their labels, plus the 'all' rollup.
select
    cast(funding_stream as {{ dbt.type_string() }}) as funding_stream,
    cast(funding_stream_label as {{ dbt.type_string() }}) as funding_stream_label
from {{ ref('funding_streams') }}
