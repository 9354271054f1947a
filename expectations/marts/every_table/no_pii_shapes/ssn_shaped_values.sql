-- no SSN-shaped value NNN-NN-NNNN (or with spaces), alone or inside longer text
select table_name, column_name, value
from {text_values}
where {matches}(value, '(^|[^0-9])[0-9]{3}[- ][0-9]{2}[- ][0-9]{4}([^0-9]|$)')
