# Added to make the example runnable: the page references openai_file.embeddings_file
# without defining it. An input file of embedding requests for the batch.
resource "openai_file" "embeddings_file" {
  file    = "embeddings.jsonl"
  purpose = "batch"
}
