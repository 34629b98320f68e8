"""pesql.runtime.testing.corrupt"""
