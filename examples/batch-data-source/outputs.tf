# Added to show the result: the page's example has no outputs.

output "status" {
  value = data.openai_batch.example_batch.status
}

output "request_counts" {
  value = data.openai_batch.example_batch.request_counts
}
