locals {
  queue_name              = element(split(":", var.queue_arn), 5)
  function_response_types = var.report_batch_item_failures ? ["ReportBatchItemFailures"] : []
}

# Exactly what the Lambda SQS poller needs, on this queue only (plus kms:Decrypt on its key).
resource "aws_iam_role_policy" "this" {
  name = "sqs-trigger-${local.queue_name}"
  role = var.function_role_name

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
        Resource = [var.queue_arn]
      }],
      var.queue_kms_key_arn == null ? [] : [{
        Sid      = "DecryptQueueMessages"
        Effect   = "Allow"
        Action   = ["kms:Decrypt"]
        Resource = [var.queue_kms_key_arn]
      }],
    )
  })
}

resource "aws_lambda_event_source_mapping" "this" {
  event_source_arn                   = var.queue_arn
  function_name                      = var.function_name
  enabled                            = var.enabled
  batch_size                         = var.batch_size
  maximum_batching_window_in_seconds = var.maximum_batching_window_in_seconds
  function_response_types            = local.function_response_types

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

  # Lambda checks at creation that the role can read the queue.
  depends_on = [aws_iam_role_policy.this]

  lifecycle {
    precondition {
      condition     = !(var.queue_fifo && var.batch_size > 10)
      error_message = "batch_size is ${var.batch_size}, but a FIFO queue allows at most 10 records per batch (Lambda: BatchSize maximum is 10 for SQS FIFO event sources)."
    }

    precondition {
      condition     = var.batch_size <= 10 || var.maximum_batching_window_in_seconds >= 1
      error_message = "batch_size ${var.batch_size} is above 10, which requires maximum_batching_window_in_seconds of at least 1 (Lambda: an SQS batch size above 10 needs a batching window of 1 s or more); it is ${var.maximum_batching_window_in_seconds}."
    }

    precondition {
      condition     = var.queue_visibility_timeout_seconds >= 6 * var.function_timeout + var.maximum_batching_window_in_seconds
      error_message = "The queue's visibility timeout (${var.queue_visibility_timeout_seconds} s) must be at least six times the function timeout plus the batching window: 6 x ${var.function_timeout} + ${var.maximum_batching_window_in_seconds} = ${6 * var.function_timeout + var.maximum_batching_window_in_seconds} s (AWS: set the source queue's visibility timeout to at least 6 x the function timeout + MaximumBatchingWindowInSeconds, or messages are retried while still being processed)."
    }
  }
}
