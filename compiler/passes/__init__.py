"""pesql.compiler.passes"""
