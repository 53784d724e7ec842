output "queues" {
  description = "Per key: url, arn and name of the queue, and dlq_url, dlq_arn (null without a DLQ)."
  value = {
    for key, queue in module.queue : key => {
      url     = queue.queue_url
      arn     = queue.queue_arn
      name    = queue.queue_name
      dlq_url = queue.dlq_url
      dlq_arn = queue.dlq_arn
    }
  }
}
