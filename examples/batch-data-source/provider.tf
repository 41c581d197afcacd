provider "openai" {
  # No API key, no network: the embedded OpenAI emulator (objects under .batchform/emulator/),
  # started with the objects of seed.json so that the ids this example reads exist.
  # Remove this line and set OPENAI_API_KEY to run against the real API (with your own ids).
  emulator = { seed = "seed.json" }
}
