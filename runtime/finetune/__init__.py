"""pesql.runtime.finetune"""
