output "queues" {
  description = "Per key: url, arn and name of the queue, and dlq_url, dlq_arn (null without a DLQ)."
  value = {
    for key, queue in module.queue : key => {
      url     = queue.queue_url
      arn     = queue.queue_arn
      name    = queue.queue_name
      dlq_url = try(module.dlq[key].queue_url, queue.dlq_url)
      dlq_arn = try(module.dlq[key].queue_arn, queue.dlq_arn)
    }
  }
  depends_on = [aws_sqs_queue_redrive_policy.unrestricted] # no queue before its DLQ is attached
}
