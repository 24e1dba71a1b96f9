"""The LLM adapter: one small protocol, Ollama and OpenAI-compatible (DeepSeek) clients chosen
by settings, versioned prompt files, and a record of every call."""
