"""pesql.grammar"""
