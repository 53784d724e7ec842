# The classic three-function demonstration: one queue and one client function that sends, or
# receives (optionally deleting) with one ReceiveMessage call, timing it.

module "queue" {
  source = "../../modules/sqs-queue"

  name                       = "${var.name_prefix}-poll"
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
  # Given the queue by its name and ARN as planned, the function is created while the queue is
  # (the provider waits ~30 s after a queue create, ~5 s after a function create).
  environment_variables = {
    QUEUE_NAME = module.queue.planned_queue.name
  }
  policy_statements = [{
    sid       = "UsePollQueue"
    actions   = ["sqs:GetQueueUrl", "sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage"]
    resources = [module.queue.planned_queue.arn]
  }]
  tags = var.tags
}
