"""pesql.runtime.evals"""
