"""pesql.compiler.repair"""
