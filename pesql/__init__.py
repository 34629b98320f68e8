"""pesql: p-SQL, a safe structured query language for LLM-written table plans."""
