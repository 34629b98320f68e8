"""pesql.runtime.evals.datasets"""
