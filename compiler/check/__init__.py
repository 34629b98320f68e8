"""pesql.compiler.check"""

# The checker's diagnostic codes are registered with the first import of any checker module.
from pesql.compiler.check import codes as codes
