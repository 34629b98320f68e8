"""Operation declarations, grouped by domain. Importing this package registers them all."""

from pesql.grammar.ops import (  # noqa: F401  (imported for their @operation side effect)
    aggregate,
    joins,
    logic,
    numeric,
    operators,
    rows,
    text,
    time,
    window,
)
