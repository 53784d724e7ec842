output "orders_queue_url" {
  description = "Send orders here."
  value       = module.orders_queue.queue_url
}

output "orders_dlq_url" {
  description = "Orders that failed 5 times end up here."
  value       = module.orders_queue.dlq_url
}

output "processor_function_name" {
  description = "Name of the order processor function."
  value       = module.processor.function_name
}

output "mapping_uuid" {
  description = "UUID of the orders queue -> processor mapping."
  value       = module.orders_trigger.mapping_uuid
}
