-- no person-name-shaped value ("Ana Ortiz", "ORTIZ, ANA") outside the columns that describe
-- places, programs, providers, occupations, funding streams and code labels (a name has a space: the LIKE skips the rest cheaply)
select table_name, column_name, value
from {text_values}
where column_name not in ('county_name', 'lwda_name', 'cip_title', 'soc_title', 'program_name',
        'provider_name', 'occupation_title', 'funding_stream_label', 'label')
    and value like '% %'
    and ({matches}(value, '^ *[A-Z][A-Za-z''-]*[a-z],? [A-Z][A-Za-z''-]*[a-z]( [A-Z][A-Za-z''-]*[a-z])? *$')
        or {matches}(value, '^ *[A-Z]{2,},? [A-Z]{2,}( [A-Z]{2,})? *$'))
