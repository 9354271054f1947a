-- employed + unemployed = labor_force
select _source_file, _row_number, employed, unemployed, labor_force
from {batch}
where employed + unemployed <> labor_force
