module "queue" {
  source = "../../modules/sqs-queue"

  name                        = "${var.name_prefix}-q${var.fifo ? ".fifo" : ""}"
  fifo_queue                  = var.fifo
  content_based_deduplication = var.content_based_deduplication
  visibility_timeout_seconds  = var.visibility_timeout_seconds
  receive_wait_time_seconds   = var.receive_wait_time_seconds
  delay_seconds               = var.delay_seconds
  max_receive_count           = var.max_receive_count
  create_dlq                  = var.create_dlq
  tags                        = var.tags
}
