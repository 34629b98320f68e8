"""pesql.runtime.cli"""

# The wing's diagnostic codes are registered with the first import of any of its modules.
from pesql.runtime.cli import codes as codes
