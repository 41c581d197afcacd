provider "openai" {
  # No API key, no network: the embedded OpenAI emulator (objects under .batchform/emulator/).
  # Remove this line and set OPENAI_API_KEY to run against the real API.
  emulator = true
}
