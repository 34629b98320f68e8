"""pesql.runtime.engine"""
