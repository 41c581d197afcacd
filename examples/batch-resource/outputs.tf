# Added to show the result: the page's example has no outputs.

output "batch_id" {
  value = openai_batch.example_batch.id
}

output "status" {
  value = openai_batch.example_batch.status
}
