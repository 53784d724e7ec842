output "queue_url" {
  description = "URL of the poll queue."
  value       = module.queue.queue_url
}

output "queue_arn" {
  description = "ARN of the poll queue."
  value       = module.queue.queue_arn
}

output "client_function_name" {
  description = "Name of the queue client function."
  value       = module.client.function_name
}
