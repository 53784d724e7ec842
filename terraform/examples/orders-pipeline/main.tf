# How another team wires the three modules: an orders queue with a DLQ, a processor function,
# and the event source mapping between them. Replace the relative sources with the git form
# shown in README.md when consuming the modules from another repository.

locals {
  processor_timeout = 10
}

module "orders_queue" {
  source = "../../modules/sqs-queue"

  name                       = "${var.name_prefix}-orders"
  visibility_timeout_seconds = 6 * local.processor_timeout + 5 # 6 x timeout + batching window
  max_receive_count          = 5
  tags                       = var.tags
}

module "processor" {
  source = "../../modules/lambda-function"

  function_name = "${var.name_prefix}-order-processor"
  description   = "Validates orders from the orders queue."
  source_dir    = "${path.module}/src"
  timeout       = local.processor_timeout
  memory_size   = 256
  environment_variables = {
    LOG_LEVEL = "INFO"
  }
  tags = var.tags
}

module "orders_trigger" {
  source = "../../modules/sqs-lambda-trigger"

  queue                              = module.orders_queue # its ARN, FIFO-ness, visibility timeout and KMS key
  function                           = module.processor    # its name, role and timeout
  batch_size                         = 50                  # > 10 needs a batching window >= 1
  maximum_batching_window_in_seconds = 5
  maximum_concurrency                = 10
  filter_patterns                    = [jsonencode({ body = { type = ["order"] } })]
  tags                               = var.tags
}
