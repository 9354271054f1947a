-- no SSN-shaped value of nine bare digits, except in employer ids (a 9-digit EIN is one)
select table_name, column_name, value
from {text_values}
where column_name not in ('employer_id', 'primary_employer_id')
    and length(value) between 9 and 15
    and {matches}(value, '^ *[0-9]{9} *$')
