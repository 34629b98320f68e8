"""pesql.runtime.service"""
