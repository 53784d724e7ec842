# The classic three-function demonstration: one queue and one client function that sends, or
# receives (optionally deleting) with one ReceiveMessage call, timing it.

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  # The function is given the queue by name and ARN, both known at plan, so it is created while
  # the queue is (the provider waits ~30 s after a queue create, ~5 s after a function create).
  queue_name = "${var.name_prefix}-poll"
  queue_arn  = "arn:${data.aws_partition.current.partition}:sqs:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:${local.queue_name}"
}

module "queue" {
  source = "../../modules/sqs-queue"

  name                       = local.queue_name
  receive_wait_time_seconds  = var.receive_wait_time_seconds
  visibility_timeout_seconds = var.visibility_timeout_seconds
  create_dlq                 = false
  tags                       = var.tags
}

module "client" {
  source = "../../modules/lambda-function"

  function_name = "${var.name_prefix}-client"
  description   = "Sends to or receives from the poll queue (three-function demonstration)."
  source_dir    = "${path.module}/../functions/queue_client"
  timeout       = 40 # longer than the 20 s maximum long poll
  environment_variables = {
    QUEUE_NAME = local.queue_name
  }
  policy_statements = [{
    sid       = "UsePollQueue"
    actions   = ["sqs:GetQueueUrl", "sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage"]
    resources = [local.queue_arn]
  }]
  tags = var.tags
}
