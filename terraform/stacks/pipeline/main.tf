# producer Lambda -> source queue (with its DLQ, unless create_dlq = false) -> consumer Lambda (event source mapping) -> sink queue

locals {
  suffix     = var.fifo ? ".fifo" : ""
  visibility = var.visibility_timeout_seconds != null ? var.visibility_timeout_seconds : 6 * var.consumer_timeout + var.maximum_batching_window_in_seconds
}

module "source_queue" {
  source = "../../modules/sqs-queue"

  name                        = "${var.name_prefix}-src${local.suffix}"
  fifo_queue                  = var.fifo
  content_based_deduplication = var.fifo # lets the producer omit dedup_id on FIFO
  visibility_timeout_seconds  = local.visibility
  max_receive_count           = var.max_receive_count
  create_dlq                  = var.create_dlq
  tags                        = var.tags
}

module "sink_queue" {
  source = "../../modules/sqs-queue"

  name       = "${var.name_prefix}-sink${local.suffix}"
  fifo_queue = var.fifo
  create_dlq = false
  tags       = var.tags
}

module "producer" {
  source = "../../modules/lambda-function"

  function_name = "${var.name_prefix}-producer"
  description   = "Sends the event's messages to the source queue."
  source_dir    = "${path.module}/../functions/producer"
  timeout       = 30
  # Told the queue by its name and ARN as planned, the producer is created while the queues are;
  # only the mapping waits for the queue and its DLQ to be ready (queue_arn). The producer sends
  # only when a test invokes it, after the apply.
  environment_variables = {
    QUEUE_NAME = module.source_queue.planned_queue.name
  }
  policy_statements = [{
    sid       = "SendToSourceQueue"
    actions   = ["sqs:GetQueueUrl", "sqs:SendMessage"]
    resources = [module.source_queue.planned_queue.arn]
  }]
  tags = var.tags
}

module "consumer" {
  source = "../../modules/lambda-function"

  function_name = "${var.name_prefix}-consumer"
  description   = "Records every delivery from the source queue in the sink queue."
  source_dir    = "${path.module}/../functions/consumer"
  timeout       = var.consumer_timeout
  # Told the sink by its planned name and ARN (as the producer is told the source), the consumer
  # is created while the queues are; it looks the sink's URL up on first use.
  environment_variables = {
    SINK_QUEUE_NAME = module.sink_queue.planned_queue.name
    FIFO            = tostring(var.fifo)
  }
  policy_statements = [{
    sid       = "SendToSinkQueue"
    actions   = ["sqs:GetQueueUrl", "sqs:SendMessage"]
    resources = [module.sink_queue.planned_queue.arn]
  }]
  tags = var.tags
}

module "trigger" {
  source = "../../modules/sqs-lambda-trigger"

  queue                              = module.source_queue
  function                           = module.consumer
  batch_size                         = var.batch_size
  maximum_batching_window_in_seconds = var.maximum_batching_window_in_seconds
  report_batch_item_failures         = true
  maximum_concurrency                = var.maximum_concurrency
  enabled                            = var.mapping_enabled
  tags                               = var.tags
}
