"""`python -m pesql` runs the command-line interface."""

from pesql.cli import main

raise SystemExit(main())
