# The queue outputs wait for the redrive policies, so that a consumer wired to them (an event
# source mapping, a producer) never sees the queue before its DLQ is attached.

output "queue_url" {
  description = "URL of the queue."
  value       = aws_sqs_queue.this.url
  depends_on  = [aws_sqs_queue_redrive_policy.this, aws_sqs_queue_redrive_allow_policy.dlq]
}

output "queue_arn" {
  description = "ARN of the queue."
  value       = aws_sqs_queue.this.arn
  depends_on  = [aws_sqs_queue_redrive_policy.this, aws_sqs_queue_redrive_allow_policy.dlq]
}

output "queue_name" {
  description = "Name of the queue."
  value       = aws_sqs_queue.this.name
}

output "dlq_url" {
  description = "URL of the dead-letter queue (null when create_dlq = false)."
  value       = one(aws_sqs_queue.dlq[*].url)
  depends_on  = [aws_sqs_queue_redrive_allow_policy.dlq]
}

output "dlq_arn" {
  description = "ARN of the dead-letter queue (null when create_dlq = false)."
  value       = one(aws_sqs_queue.dlq[*].arn)
  depends_on  = [aws_sqs_queue_redrive_allow_policy.dlq]
}

output "dlq_name" {
  description = "Name of the dead-letter queue (null when create_dlq = false)."
  value       = one(aws_sqs_queue.dlq[*].name)
}

output "visibility_timeout_seconds" {
  description = "Visibility timeout of the queue, for checking a trigger's rules (sqs-lambda-trigger)."
  value       = var.visibility_timeout_seconds
}

output "fifo_queue" {
  description = "Whether the queue is FIFO, for checking a trigger's rules (sqs-lambda-trigger)."
  value       = var.fifo_queue
}

output "kms_master_key_id" {
  description = "KMS key of the queue (null with SSE-SQS), so a trigger can grant kms:Decrypt."
  value       = var.kms_master_key_id
}
