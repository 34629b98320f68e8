"""pesql.runtime.tables"""

# The wing's diagnostic codes are registered with the first import of any of its modules.
from pesql.runtime.tables import codes as codes
