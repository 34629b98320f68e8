"""pesql.grammar"""

# The grammar's diagnostic codes are registered with the first import of any grammar module.
from pesql.grammar import codes as codes
