"""pesql.runtime.engine"""

# The wing's diagnostic codes are registered with the first import of any of its modules.
from pesql.runtime.engine import codes as codes
