# The queue outputs wait for the redrive policies, so that a consumer wired to them (an event
# source mapping, a producer) never sees the queue before its DLQ is attached. The ARNs are the
# ones the module names at plan (partition, region, account id, name), so they are known at plan
# and a trigger's rules that read them (its region, FIFO suffix, KMS grant) are checked at plan.

output "queue_url" {
  description = "URL of the queue."
  value       = aws_sqs_queue.this.url
  depends_on  = [aws_sqs_queue_redrive_policy.this, aws_sqs_queue_redrive_allow_policy.dlq]
}

output "queue_arn" {
  description = "ARN of the queue (known at plan)."
  value       = local.queue_arn
  depends_on  = [aws_sqs_queue.this, aws_sqs_queue_redrive_policy.this, aws_sqs_queue_redrive_allow_policy.dlq]
}

output "planned_queue" {
  description = "The queue's name and ARN as known at plan, without waiting for it: for what may be created while the queue is (an IAM policy, a function told the queue's name). Wire consumers to queue_arn/queue_url instead."
  value = {
    name = var.name
    arn  = local.queue_arn
  }
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
  description = "ARN of the dead-letter queue (known at plan; null when create_dlq = false)."
  value       = var.create_dlq ? local.dlq_arn : null
  depends_on  = [aws_sqs_queue.dlq, aws_sqs_queue_redrive_allow_policy.dlq]
}

output "dlq_name" {
  description = "Name of the dead-letter queue (null when create_dlq = false)."
  value       = one(aws_sqs_queue.dlq[*].name)
}

output "visibility_timeout_seconds" {
  description = "Visibility timeout of the queue, for the trigger's rules (pass the whole module to sqs-lambda-trigger's queue input)."
  value       = var.visibility_timeout_seconds
}

output "fifo_queue" {
  description = "Whether the queue is FIFO, for the trigger's rules (pass the whole module to sqs-lambda-trigger's queue input)."
  value       = var.fifo_queue
}

output "kms_master_key_id" {
  description = "KMS key of the queue as given (key ID, key ARN, alias or alias ARN; null with SSE-SQS), so sqs-lambda-trigger can grant kms:Decrypt."
  value       = var.kms_master_key_id
}
