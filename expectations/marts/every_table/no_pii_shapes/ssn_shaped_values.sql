-- no SSN-shaped value NNN-NN-NNNN (or with spaces), alone or inside longer text
-- (the LIKE lets the engine skip, cheaply, every value without two separators)
select table_name, column_name, value
from {text_values}
where (value like '%-%-%' or value like '% % %')
    and {matches}(value, '(^|[^0-9])[0-9]{3}[- ][0-9]{2}[- ][0-9]{4}([^0-9]|$)')
