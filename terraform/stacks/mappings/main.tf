# Several SQS -> Lambda mappings in one application, each with its own queue and settings, on a
# few consumer functions, all recording into one sink queue (each row names its source queue).
# The behaviour suite's mapping scenarios each use their own mapping and share one apply: the
# queues are created in parallel, so the provider's SQS waits are paid once, and the functions
# (which the provider creates one at a time) are created meanwhile: they are given the sink by
# its planned name and ARN, not its URL.

locals {
  with_dlq = { for key, m in var.mappings : key => m if m.create_dlq }
}

module "sink" {
  source = "../../modules/sqs-queue"

  name                      = "${var.name_prefix}-sink"
  create_dlq                = false
  receive_wait_time_seconds = 0
  tags                      = var.tags
}

module "queue" {
  source   = "../../modules/sqs-queue"
  for_each = var.mappings

  name                        = "${var.name_prefix}-${each.key}${each.value.fifo ? ".fifo" : ""}"
  fifo_queue                  = each.value.fifo
  content_based_deduplication = each.value.fifo
  visibility_timeout_seconds  = each.value.visibility_timeout_seconds != null ? each.value.visibility_timeout_seconds : 6 * var.functions[each.value.function].timeout + each.value.maximum_batching_window_in_seconds
  max_receive_count           = each.value.max_receive_count
  create_dlq                  = false # below: a DLQ without a redrive-allow policy, on every target
  tags                        = var.tags
}

# The DLQ is a second sqs-queue and the redrive policy is set here, without the redrive-allow
# policy the module's own DLQ carries: LocalStack and moto do not round-trip that policy, and the
# provider would wait for it forever (see stacks/queues).
module "dlq" {
  source   = "../../modules/sqs-queue"
  for_each = local.with_dlq

  name                        = "${var.name_prefix}-${each.key}-dlq${each.value.fifo ? ".fifo" : ""}"
  fifo_queue                  = each.value.fifo
  content_based_deduplication = each.value.fifo
  receive_wait_time_seconds   = 0
  message_retention_seconds   = 1209600
  create_dlq                  = false
  tags                        = var.tags
}

resource "aws_sqs_queue_redrive_policy" "this" {
  for_each = local.with_dlq

  queue_url = module.queue[each.key].queue_url
  redrive_policy = jsonencode({
    deadLetterTargetArn = module.dlq[each.key].queue_arn
    maxReceiveCount     = each.value.max_receive_count
  })
}

module "consumer" {
  source   = "../../modules/lambda-function"
  for_each = var.functions

  function_name                  = "${var.name_prefix}-${each.key}"
  description                    = "Records every delivery from its mappings' queues in the sink queue."
  source_dir                     = "${path.module}/../functions/consumer"
  timeout                        = each.value.timeout
  reserved_concurrent_executions = each.value.reserved_concurrent_executions
  environment_variables = {
    SINK_QUEUE_NAME = module.sink.planned_queue.name
    FIFO            = "false" # the sink is a standard queue; rows carry their position and source
  }
  policy_statements = [{
    sid       = "SendToSinkQueue"
    actions   = ["sqs:GetQueueUrl", "sqs:SendMessage"]
    resources = [module.sink.planned_queue.arn]
  }]
  tags = var.tags
}

module "trigger" {
  source   = "../../modules/sqs-lambda-trigger"
  for_each = var.mappings

  queue                              = module.queue[each.key]
  function                           = module.consumer[each.value.function]
  batch_size                         = each.value.batch_size
  maximum_batching_window_in_seconds = each.value.maximum_batching_window_in_seconds
  maximum_concurrency                = each.value.maximum_concurrency
  filter_patterns                    = each.value.filter_patterns
  report_batch_item_failures         = true
  enabled                            = each.value.enabled
  tags                               = var.tags
}
