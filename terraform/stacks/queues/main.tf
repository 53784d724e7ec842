# Several independent queues in one application: scenarios that each use their own queue and
# never touch another's share one apply, so they wait for the provider's SQS create waits once
# (the queues are created in parallel) instead of once per scenario.

module "queue" {
  source   = "../../modules/sqs-queue"
  for_each = var.queues

  name                        = "${var.name_prefix}-${each.key}${each.value.fifo ? ".fifo" : ""}"
  fifo_queue                  = each.value.fifo
  content_based_deduplication = each.value.content_based_deduplication
  deduplication_scope         = each.value.deduplication_scope
  fifo_throughput_limit       = each.value.fifo_throughput_limit
  max_message_size            = each.value.max_message_size
  visibility_timeout_seconds  = each.value.visibility_timeout_seconds
  receive_wait_time_seconds   = each.value.receive_wait_time_seconds
  delay_seconds               = each.value.delay_seconds
  max_receive_count           = each.value.max_receive_count
  create_dlq                  = each.value.create_dlq
  tags                        = var.tags
}
