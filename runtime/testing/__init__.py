"""pesql.runtime.testing"""
