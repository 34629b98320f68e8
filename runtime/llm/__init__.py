"""pesql.runtime.llm"""

# The wing's diagnostic codes are registered with the first import of any of its modules.
from pesql.runtime.llm import codes as codes
