output "queue_url" {
  description = "URL of the queue."
  value       = module.queue.queue_url
}

output "queue_arn" {
  description = "ARN of the queue."
  value       = module.queue.queue_arn
}

output "queue_name" {
  description = "Name of the queue."
  value       = module.queue.queue_name
}

output "dlq_url" {
  description = "URL of the DLQ (null without one)."
  value       = module.queue.dlq_url
}

output "dlq_arn" {
  description = "ARN of the DLQ (null without one)."
  value       = module.queue.dlq_arn
}

output "dlq_name" {
  description = "Name of the DLQ (null without one)."
  value       = module.queue.dlq_name
}
