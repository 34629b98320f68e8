"""pesql.runtime.testing.strategies"""
