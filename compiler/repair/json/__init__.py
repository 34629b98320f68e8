"""pesql.compiler.repair.json"""
