# Reference an existing batch job
data "openai_batch" "existing_batch" {
  batch_id = "batch_abc123"
}

# Check the status of the batch job
output "batch_status" {
  value = data.openai_batch.existing_batch.status
}

# Get the output file ID when available
output "output_file_id" {
  value = data.openai_batch.existing_batch.output_file_id
}
