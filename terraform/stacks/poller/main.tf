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
  environment_variables = {
    QUEUE_URL = module.queue.queue_url
  }
  policy_statements = [{
    sid       = "UsePollQueue"
    actions   = ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage"]
    resources = [module.queue.queue_arn]
  }]
  tags = var.tags
}
