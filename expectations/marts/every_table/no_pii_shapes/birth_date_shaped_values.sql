-- no full date written as text (a birth date: marts hold dates as DATE columns, and birth years)
select table_name, column_name, value
from {text_values}
where length(value) between 6 and 14
    and (value like '%-%-%' or value like '%/%/%')
    and ({matches}(value, '^ *[0-9]{4}-[0-9]{1,2}-[0-9]{1,2} *$')
        or {matches}(value, '^ *[0-9]{1,2}/[0-9]{1,2}/[0-9]{2,4} *$')
        or {matches}(value, '^ *[0-9]{4}/[0-9]{1,2}/[0-9]{1,2} *$'))
