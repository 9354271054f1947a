-- suppression: a suppressed row shows neither numerator nor value
select indicator, numerator, value
from {batch}
where is_suppressed and (numerator is not null or value is not null)
