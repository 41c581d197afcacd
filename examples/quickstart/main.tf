# Quickstart: upload a JSONL file of requests, run it as a batch, watch the batch.

provider "openai" {
  # No API key, no network: the embedded OpenAI emulator (objects under .batchform/emulator/).
  # Remove this line and set OPENAI_API_KEY to run against the real API.
  emulator = true
}

# The batch input: one chat completion request per line.
resource "openai_file" "requests" {
  file    = "requests.jsonl"
  purpose = "batch"
}

# The batch job. Changing any argument replaces it (the API cannot update a batch).
resource "openai_batch" "job" {
  input_file_id     = openai_file.requests.id
  endpoint          = "/v1/chat/completions"
  completion_window = "24h"
  metadata = {
    example = "quickstart"
  }
}

# Read the batch again on every plan and apply: its status, counts and result file.
data "openai_batch" "job" {
  batch_id = openai_batch.job.id
}

output "file_id" {
  value = openai_file.requests.id
}

output "batch_id" {
  value = openai_batch.job.id
}

output "status" {
  value = data.openai_batch.job.status
}

output "request_counts" {
  value = data.openai_batch.job.request_counts
}

output "output_file_id" {
  value = data.openai_batch.job.output_file_id
}
