# Create a batch job
resource "openai_batch" "embeddings_batch" {
  input_file_id     = openai_file.embeddings_file.id
  endpoint          = "/v1/embeddings"
  model             = "text-embedding-ada-002"
  completion_window = "24h"
}

# Monitor the batch job status
data "openai_batch" "monitor_batch" {
  batch_id = openai_batch.embeddings_batch.id
}

# Output that conditionally uses the output file ID when available
locals {
  output_file_id = data.openai_batch.monitor_batch.status == "completed" ? data.openai_batch.monitor_batch.output_file_id : ""
}

output "batch_results_available" {
  value = data.openai_batch.monitor_batch.status == "completed"
}

output "batch_output_file_id" {
  value = local.output_file_id
}
