data "openai_batch" "specific_batch" {
  batch_id = "batch_67dc4576e9cc8190b8a169f65a805996"
}

output "batch_details" {
  value = {
    status        = data.openai_batch.specific_batch.status
    input_file    = data.openai_batch.specific_batch.input_file_id
    output_file   = data.openai_batch.specific_batch.output_file_id
    created_at    = data.openai_batch.specific_batch.created_at
    endpoint      = data.openai_batch.specific_batch.endpoint
    request_count = data.openai_batch.specific_batch.request_counts
  }
}
