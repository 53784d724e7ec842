# Both read from the provider's configuration; neither calls AWS.
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  # arn:<partition>:sqs:<region>:<account>:<name>
  queue_arn_parts = split(":", var.queue.queue_arn)
  partition       = local.queue_arn_parts[1]
  queue_region    = local.queue_arn_parts[3]
  queue_account   = local.queue_arn_parts[4]
  queue_name      = local.queue_arn_parts[5]

  function_response_types = var.report_batch_item_failures ? ["ReportBatchItemFailures"] : []

  # The queue's KMS key, in any form SQS takes it (sqs-queue validates the form). IAM cannot
  # grant kms:Decrypt on an alias (an alias in a policy's Resource names the alias, not its
  # key), so:
  # - a key ARN is granted as is, and a bare key ID becomes the ARN of that key in the queue's
  #   account and region (where SQS looks it up);
  # - an alias (name or ARN) is granted on the keys of its account and region that carry that
  #   alias (kms:ResourceAliases, AWS KMS's alias-based access control), so the plan needs no KMS
  #   look-up and the grant follows the alias;
  # - alias/aws/sqs, the AWS managed key, needs no grant: its key policy, which nobody can change,
  #   already lets every principal of the account use it through SQS.
  # Every grant holds only for requests SQS makes on the role's behalf (kms:ViaService).
  kms_key         = var.queue.kms_master_key_id == null ? "" : var.queue.kms_master_key_id
  kms_alias       = one(regexall("^(?:arn:[^:]+:kms:[^:]+:[0-9]{12}:)?(alias/.+)$", local.kms_key)[*][0])
  kms_scope       = startswith(local.kms_key, "arn:") ? join(":", slice(split(":", local.kms_key), 0, 5)) : "arn:${local.partition}:kms:${local.queue_region}:${local.queue_account}"
  kms_aws_managed = local.kms_alias == "alias/aws/sqs"
  kms_key_arn     = local.kms_key == "" || local.kms_alias != null ? null : (startswith(local.kms_key, "arn:") ? local.kms_key : "${local.kms_scope}:key/${local.kms_key}")
  via_sqs         = { "kms:ViaService" = "sqs.${local.queue_region}.${data.aws_partition.current.dns_suffix}" }
}

# Exactly what the Lambda SQS poller needs, on this queue only (plus kms:Decrypt on its key).
resource "aws_iam_role_policy" "this" {
  name = "sqs-trigger-${local.queue_name}"
  role = var.function.role_name

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [{
        Sid    = "ConsumeQueue"
        Effect = "Allow"
        Action = [
          "sqs:ReceiveMessage",
          "sqs:DeleteMessage",
          "sqs:GetQueueAttributes",
          "sqs:ChangeMessageVisibility",
        ]
        Resource = [var.queue.queue_arn]
      }],
      local.kms_key_arn == null ? [] : [{
        Sid       = "DecryptQueueMessages"
        Effect    = "Allow"
        Action    = ["kms:Decrypt"]
        Resource  = [local.kms_key_arn]
        Condition = { StringEquals = local.via_sqs }
      }],
      local.kms_alias == null || local.kms_aws_managed ? [] : [{
        Sid      = "DecryptQueueMessagesByAlias"
        Effect   = "Allow"
        Action   = ["kms:Decrypt"]
        Resource = ["${local.kms_scope}:key/*"]
        Condition = {
          StringEquals               = local.via_sqs
          "ForAnyValue:StringEquals" = { "kms:ResourceAliases" = [local.kms_alias] }
        }
      }],
    )
  })
}

resource "aws_lambda_event_source_mapping" "this" {
  event_source_arn                   = var.queue.queue_arn
  function_name                      = var.function.function_name
  enabled                            = var.enabled
  batch_size                         = var.batch_size
  maximum_batching_window_in_seconds = var.maximum_batching_window_in_seconds
  function_response_types            = local.function_response_types
  tags                               = var.tags

  dynamic "scaling_config" {
    for_each = var.maximum_concurrency == null ? [] : [var.maximum_concurrency]
    content {
      maximum_concurrency = scaling_config.value
    }
  }

  dynamic "filter_criteria" {
    for_each = length(var.filter_patterns) > 0 ? [1] : []
    content {
      dynamic "filter" {
        for_each = var.filter_patterns
        content {
          pattern = filter.value
        }
      }
    }
  }

  dynamic "metrics_config" {
    for_each = length(var.metrics) > 0 ? [var.metrics] : []
    content {
      metrics = metrics_config.value
    }
  }

  # Lambda checks at creation that the role can read the queue.
  depends_on = [aws_iam_role_policy.this]

  # The rules that involve more than one input. Each message names the AWS rule and the values.
  lifecycle {
    precondition {
      condition     = local.queue_region == data.aws_region.current.region
      error_message = "The queue is in ${local.queue_region} but the mapping, and so the function, is in ${data.aws_region.current.region} (Lambda: the function and the Amazon SQS queue must be in the same AWS Region; they may be in different accounts)."
    }

    precondition {
      condition     = !(var.queue.fifo_queue && var.batch_size > 10)
      error_message = "batch_size is ${var.batch_size}, but a FIFO queue allows at most 10 records per batch (Lambda BatchSize: for FIFO queues the max is 10)."
    }

    precondition {
      condition     = !(var.queue.fifo_queue && var.maximum_batching_window_in_seconds > 0)
      error_message = "maximum_batching_window_in_seconds is ${var.maximum_batching_window_in_seconds}, but the queue is FIFO (Lambda: \"Batching window is not supported for FIFO queues\"); leave it 0."
    }

    precondition {
      condition     = var.batch_size <= 10 || var.maximum_batching_window_in_seconds >= 1
      error_message = "batch_size ${var.batch_size} is above 10, which requires maximum_batching_window_in_seconds of at least 1 (Lambda: for Amazon SQS event sources, when you set BatchSize to a value greater than 10, you must set MaximumBatchingWindowInSeconds to at least 1); it is ${var.maximum_batching_window_in_seconds}."
    }

    precondition {
      condition     = var.queue.visibility_timeout_seconds >= var.function.timeout
      error_message = "The queue's visibility timeout (${var.queue.visibility_timeout_seconds} s) is less than the function timeout (${var.function.timeout} s): Lambda refuses the mapping (\"Queue visibility timeout: ${var.queue.visibility_timeout_seconds} seconds is less than Function timeout: ${var.function.timeout} seconds\")."
    }

    precondition {
      condition     = var.queue.visibility_timeout_seconds >= 6 * var.function.timeout + var.maximum_batching_window_in_seconds
      error_message = "The queue's visibility timeout (${var.queue.visibility_timeout_seconds} s) must be at least six times the function timeout plus the batching window: 6 x ${var.function.timeout} + ${var.maximum_batching_window_in_seconds} = ${6 * var.function.timeout + var.maximum_batching_window_in_seconds} s (AWS: set the source queue's visibility timeout to at least 6 x the function timeout + MaximumBatchingWindowInSeconds, or messages are retried while still being processed)."
    }
  }
}
