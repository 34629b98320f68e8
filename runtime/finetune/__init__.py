"""pesql.runtime.finetune"""

# The wing's diagnostic codes are registered with the first import of any of its modules.
from pesql.runtime.finetune import codes as codes
