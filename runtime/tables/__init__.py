"""pesql.runtime.tables"""
