"""pesql.runtime"""
