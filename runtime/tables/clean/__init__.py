"""pesql.runtime.tables.clean"""
