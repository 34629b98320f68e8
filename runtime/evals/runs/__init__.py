"""pesql.runtime.evals.runs"""
