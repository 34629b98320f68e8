"""pesql.compiler.backends.sql"""

# The SQL backend's diagnostic codes are registered with the first import of its modules.
from pesql.compiler.backends.sql import codes as codes
