"""pesql.compiler.backends"""
