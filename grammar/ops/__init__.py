"""pesql.grammar.ops"""
