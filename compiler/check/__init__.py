"""pesql.compiler.check"""
