print("GeminiSimulator: not built yet")
