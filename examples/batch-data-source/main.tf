data "openai_batch" "example_batch" {
  batch_id = "batch_id"
}
