"""pesql.runtime.llm"""
