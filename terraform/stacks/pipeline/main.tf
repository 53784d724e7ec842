# producer Lambda -> source queue (with DLQ) -> consumer Lambda (event source mapping) -> sink queue

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  suffix     = var.fifo ? ".fifo" : ""
  visibility = var.visibility_timeout_seconds != null ? var.visibility_timeout_seconds : 6 * var.consumer_timeout + var.maximum_batching_window_in_seconds

  # The producer is given the source queue by name and ARN, both known at plan, so it is created
  # while the queues are; only the mapping waits for the queue (and its DLQ) to be ready.
  source_name = "${var.name_prefix}-src${local.suffix}"
  source_arn  = "arn:${data.aws_partition.current.partition}:sqs:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:${local.source_name}"
}

module "source_queue" {
  source = "../../modules/sqs-queue"

  name                        = local.source_name
  fifo_queue                  = var.fifo
  content_based_deduplication = var.fifo # lets the producer omit dedup_id on FIFO
  visibility_timeout_seconds  = local.visibility
  max_receive_count           = var.max_receive_count
  create_dlq                  = true
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
  environment_variables = {
    QUEUE_NAME = local.source_name
  }
  policy_statements = [{
    sid       = "SendToSourceQueue"
    actions   = ["sqs:GetQueueUrl", "sqs:SendMessage"]
    resources = [local.source_arn]
  }]
  tags = var.tags
}

module "consumer" {
  source = "../../modules/lambda-function"

  function_name = "${var.name_prefix}-consumer"
  description   = "Records every delivery from the source queue in the sink queue."
  source_dir    = "${path.module}/../functions/consumer"
  timeout       = var.consumer_timeout
  environment_variables = {
    SINK_QUEUE_URL = module.sink_queue.queue_url
    FIFO           = tostring(var.fifo)
  }
  policy_statements = [{
    sid       = "SendToSinkQueue"
    actions   = ["sqs:SendMessage"]
    resources = [module.sink_queue.queue_arn]
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
