// Gemini REST client
