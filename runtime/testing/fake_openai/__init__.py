"""pesql.runtime.testing.fake_openai"""
