data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  base_name = trimsuffix(var.name, ".fifo")
  dlq_name  = var.fifo_queue ? "${local.base_name}-dlq.fifo" : "${local.base_name}-dlq"

  # Known before the queues exist, so a queue's own policy is part of its create call.
  arn_prefix = "arn:${data.aws_partition.current.partition}:sqs:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}"
  queue_arn  = "${local.arn_prefix}:${var.name}"
  dlq_arn    = "${local.arn_prefix}:${local.dlq_name}"

  # SSE-SQS unless a KMS key is given; the reuse period only means something with KMS.
  sqs_managed_sse_enabled           = var.kms_master_key_id == null ? true : null
  kms_data_key_reuse_period_seconds = var.kms_master_key_id == null ? null : var.kms_data_key_reuse_period_seconds
}

# The aws provider waits ~30 s after every SQS create or attribute change until it has read the
# same attributes six times, so every link of a chain costs that much. Hence: each queue's own
# policy (deny insecure transport) is set in its create call; the queue and its DLQ are
# independent and created (and deleted) in parallel; only the redrive policy and the DLQ's
# redrive-allow policy, which need both queues to exist, come in a second wave.
resource "aws_sqs_queue" "this" {
  name                              = var.name
  fifo_queue                        = var.fifo_queue
  content_based_deduplication       = var.fifo_queue ? var.content_based_deduplication : null
  deduplication_scope               = var.deduplication_scope
  fifo_throughput_limit             = var.fifo_throughput_limit
  visibility_timeout_seconds        = var.visibility_timeout_seconds
  receive_wait_time_seconds         = var.receive_wait_time_seconds
  message_retention_seconds         = var.message_retention_seconds
  delay_seconds                     = var.delay_seconds
  max_message_size                  = var.max_message_size
  sqs_managed_sse_enabled           = local.sqs_managed_sse_enabled
  kms_master_key_id                 = var.kms_master_key_id
  kms_data_key_reuse_period_seconds = local.kms_data_key_reuse_period_seconds
  policy                            = var.deny_insecure_transport ? local.deny_insecure_transport[local.queue_arn] : null
  tags                              = var.tags

  lifecycle {
    precondition {
      condition     = var.fifo_queue == endswith(var.name, ".fifo")
      error_message = var.fifo_queue ? "name \"${var.name}\" must end with .fifo because fifo_queue is true (SQS: a FIFO queue's name must end with .fifo)." : "name \"${var.name}\" ends with .fifo but fifo_queue is false (SQS: only a FIFO queue's name may end with .fifo)."
    }

    precondition {
      condition     = var.fifo_queue || !var.content_based_deduplication
      error_message = "content_based_deduplication requires fifo_queue = true (SQS: content-based deduplication exists only on FIFO queues)."
    }

    precondition {
      condition     = var.fifo_queue || (var.deduplication_scope == null && var.fifo_throughput_limit == null)
      error_message = "deduplication_scope and fifo_throughput_limit require fifo_queue = true (SQS: they are high-throughput FIFO settings); leave them null on a standard queue (got ${coalesce(var.deduplication_scope, "null")} and ${coalesce(var.fifo_throughput_limit, "null")})."
    }

    precondition {
      condition     = var.fifo_throughput_limit != "perMessageGroupId" || var.deduplication_scope == "messageGroup"
      error_message = "fifo_throughput_limit = \"perMessageGroupId\" requires deduplication_scope = \"messageGroup\" (SQS: the perMessageGroupId value is allowed only when DeduplicationScope is messageGroup); deduplication_scope is ${var.deduplication_scope == null ? "null (SQS default: queue)" : "\"${var.deduplication_scope}\""}."
    }
  }
}

resource "aws_sqs_queue" "dlq" {
  count = var.create_dlq ? 1 : 0

  name                              = local.dlq_name
  fifo_queue                        = var.fifo_queue
  content_based_deduplication       = var.fifo_queue ? var.content_based_deduplication : null
  visibility_timeout_seconds        = var.visibility_timeout_seconds
  receive_wait_time_seconds         = var.receive_wait_time_seconds
  message_retention_seconds         = var.dlq_message_retention_seconds
  max_message_size                  = var.max_message_size
  sqs_managed_sse_enabled           = local.sqs_managed_sse_enabled
  kms_master_key_id                 = var.kms_master_key_id
  kms_data_key_reuse_period_seconds = local.kms_data_key_reuse_period_seconds
  policy                            = var.deny_insecure_transport ? local.deny_insecure_transport[local.dlq_arn] : null
  tags                              = var.tags

  lifecycle {
    precondition {
      condition     = length(local.dlq_name) <= 80
      error_message = "The dead-letter queue name \"${local.dlq_name}\" is ${length(local.dlq_name)} characters (SQS queue names are at most 80); shorten name by ${length(local.dlq_name) - 80} or set create_dlq = false."
    }

    precondition {
      condition     = var.fifo_queue || var.dlq_message_retention_seconds >= var.message_retention_seconds
      error_message = "dlq_message_retention_seconds (${var.dlq_message_retention_seconds}) must be at least message_retention_seconds (${var.message_retention_seconds}) for a standard queue (SQS: a standard queue's message keeps its original enqueue timestamp in the dead-letter queue, so a shorter DLQ retention expires redriven messages early; a FIFO queue's timestamp resets on the move)."
    }
  }
}

# Only this module's source queue may use the DLQ as its dead-letter queue.
resource "aws_sqs_queue_redrive_allow_policy" "dlq" {
  count = var.create_dlq ? 1 : 0

  queue_url = aws_sqs_queue.dlq[0].id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.this.arn]
  })
}

resource "aws_sqs_queue_redrive_policy" "this" {
  count = var.create_dlq ? 1 : 0

  queue_url = aws_sqs_queue.this.id
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq[0].arn
    maxReceiveCount     = var.max_receive_count
  })
}

locals {
  # Per queue ARN: a policy that denies every request made without TLS.
  deny_insecure_transport = {
    for arn in [local.queue_arn, local.dlq_arn] : arn => jsonencode({
      Version = "2012-10-17"
      Statement = [{
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "sqs:*"
        Resource  = arn
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      }]
    })
  }
}
