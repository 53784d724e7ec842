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
  create_dlq                  = each.value.create_dlq && each.value.restrict_dlq_sources
  tags                        = var.tags
}

# The module's DLQ comes with a redrive-allow policy naming its source. An emulator that accepts
# that policy but never returns it (moto 5.2.5) leaves the provider waiting for it forever, so
# with restrict_dlq_sources = false the DLQ is a second queue of the same module and the
# redrive policy is set here: the same RedrivePolicy, a DLQ that allows any source (the default).
locals {
  unrestricted = { for key, queue in var.queues : key => queue if queue.create_dlq && !queue.restrict_dlq_sources }
}

module "dlq" {
  source   = "../../modules/sqs-queue"
  for_each = local.unrestricted

  name                        = "${var.name_prefix}-${each.key}-dlq${each.value.fifo ? ".fifo" : ""}"
  fifo_queue                  = each.value.fifo
  content_based_deduplication = each.value.content_based_deduplication
  max_message_size            = each.value.max_message_size
  visibility_timeout_seconds  = each.value.visibility_timeout_seconds
  receive_wait_time_seconds   = each.value.receive_wait_time_seconds
  message_retention_seconds   = 1209600 # the module's own DLQ retention: 14 days
  create_dlq                  = false
  tags                        = var.tags
}

resource "aws_sqs_queue_redrive_policy" "unrestricted" {
  for_each = local.unrestricted

  queue_url = module.queue[each.key].queue_url
  redrive_policy = jsonencode({
    deadLetterTargetArn = module.dlq[each.key].queue_arn
    maxReceiveCount     = each.value.max_receive_count
  })
}
