"""A local stand-in for Gemini (generateContent) and OpenAI (chat completions, responses)"""
