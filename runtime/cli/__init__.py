"""pesql.runtime.cli"""
