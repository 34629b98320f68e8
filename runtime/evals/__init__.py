"""pesql.runtime.evals"""

# The wing's diagnostic codes are registered with the first import of any of its modules.
from pesql.runtime.evals import codes as codes
