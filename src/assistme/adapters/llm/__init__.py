"""Language models: one client for every OpenAI-compatible chat-completions server (OpenAI, Azure OpenAI's v1
endpoint, Ollama, vLLM, LM Studio), whole or streamed, and the choice of server per assistant type."""
