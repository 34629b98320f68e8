"""pesql.runtime.llm.local: a real open-weights model on this machine (models, llama-server)."""
