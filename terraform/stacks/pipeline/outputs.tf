output "queue_url" {
  description = "URL of the source queue."
  value       = module.source_queue.queue_url
}

output "queue_arn" {
  description = "ARN of the source queue."
  value       = module.source_queue.queue_arn
}

output "dlq_url" {
  description = "URL of the source queue's DLQ (null with create_dlq = false)."
  value       = module.source_queue.dlq_url
}

output "dlq_arn" {
  description = "ARN of the source queue's DLQ (null with create_dlq = false)."
  value       = module.source_queue.dlq_arn
}

output "sink_queue_url" {
  description = "URL of the sink queue the consumer writes one message per delivery to."
  value       = module.sink_queue.queue_url
}

output "producer_function_name" {
  description = "Name of the producer function."
  value       = module.producer.function_name
}

output "consumer_function_name" {
  description = "Name of the consumer function."
  value       = module.consumer.function_name
}

output "mapping_uuid" {
  description = "UUID of the event source mapping (source queue -> consumer)."
  value       = module.trigger.mapping_uuid
}

output "visibility_timeout_seconds" {
  description = "Visibility timeout the source queue got."
  value       = module.source_queue.visibility_timeout_seconds
}
