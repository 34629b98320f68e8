"""pesql.compiler"""
