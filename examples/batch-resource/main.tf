resource "openai_batch" "example_batch" {
  completion_window = "24h"
  endpoint          = "/v1/responses"
  input_file_id     = "input_file_id"
  metadata = {
    foo = "string"
  }
  output_expires_after = {
    anchor  = "created_at"
    seconds = 3600
  }
}
