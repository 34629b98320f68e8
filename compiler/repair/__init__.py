"""pesql.compiler.repair"""

# Repair's diagnostic codes are registered with the first import of any repair module.
from pesql.compiler.repair import codes as codes
