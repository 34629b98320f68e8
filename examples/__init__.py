"""Bundled example data, installed as `pesql.examples` (package data, read by importlib.resources).

Wheels ship `tables/` (the Palmer penguins table and its license), `plans/` and `profiles/`, so
`pesql demo` works from an installed wheel outside a checkout. The datasets and embedding
examples stay in the source tree.
"""
