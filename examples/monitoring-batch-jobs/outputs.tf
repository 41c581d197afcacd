# Added to show the flow: the page's example has no outputs.

output "batch_status" {
  value = data.openai_batch.monitor_batch.status
}

# 0 until an apply has seen the batch completed, then 1.
output "results_read" {
  value = length(data.openai_file.batch_results)
}

# The custom_id of every result line (lines come out of input order: match them by custom_id).
output "result_custom_ids" {
  value = sort(flatten([
    for f in data.openai_file.batch_results : [
      for line in split("\n", trimspace(f.content)) : jsondecode(line).custom_id
    ]
  ]))
}
