"""pesql.compiler.backends.polars"""
