"""pesql.compiler.backends.sql"""
