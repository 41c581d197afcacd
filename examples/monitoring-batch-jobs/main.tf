# Create a batch job
resource "openai_batch" "embeddings_batch" {
  input_file_id     = openai_file.embeddings_file.id
  endpoint          = "/v1/embeddings"
  model             = "text-embedding-ada-002"
  completion_window = "24h"
}

# Reference the batch job to monitor its status
data "openai_batch" "monitor_batch" {
  batch_id = openai_batch.embeddings_batch.id
  # Force Terraform to check the status on every apply
  depends_on = [openai_batch.embeddings_batch]
}

# Process the results when the batch completes
# This will only succeed when the batch status is "completed"
data "openai_file" "batch_results" {
  file_id = data.openai_batch.monitor_batch.output_file_id
  count   = data.openai_batch.monitor_batch.status == "completed" ? 1 : 0
}
