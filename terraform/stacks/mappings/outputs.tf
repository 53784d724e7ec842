output "sink_queue_url" {
  description = "URL of the sink queue every consumer writes one row per record and delivery to."
  value       = module.sink.queue_url
}

output "mappings" {
  description = "Per key: queue_url, queue_arn, queue_name, dlq_url (null without a DLQ), function_name, mapping_uuid, visibility_timeout_seconds (what the queue got), function_timeout."
  value = {
    for key, m in var.mappings : key => {
      queue_url                  = module.queue[key].queue_url
      queue_arn                  = module.queue[key].queue_arn
      queue_name                 = module.queue[key].queue_name
      dlq_url                    = try(module.dlq[key].queue_url, null)
      function_name              = module.consumer[m.function].function_name
      mapping_uuid               = module.trigger[key].mapping_uuid
      visibility_timeout_seconds = module.queue[key].visibility_timeout_seconds
      function_timeout           = module.consumer[m.function].timeout
    }
  }
  depends_on = [aws_sqs_queue_redrive_policy.this] # no queue before its DLQ is attached
}
