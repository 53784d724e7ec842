locals {
  # Package from source_dir only when it is the one source given; the precondition on the
  # function reports every other combination.
  package_from_source = var.source_dir != null && var.zip_path == null
  package_path        = local.package_from_source ? data.archive_file.this[0].output_path : var.zip_path
  package_hash        = local.package_from_source ? data.archive_file.this[0].output_base64sha256 : try(filebase64sha256(var.zip_path), null)

  role_name      = "${substr(var.function_name, 0, 59)}-role"
  log_group_name = "/aws/lambda/${var.function_name}"
}

data "archive_file" "this" {
  count = local.package_from_source ? 1 : 0

  type        = "zip"
  source_dir  = var.source_dir
  output_path = "${path.root}/.build/${var.function_name}.zip"
  excludes    = ["__pycache__"]
}

resource "aws_iam_role" "this" {
  name        = local.role_name
  description = "Execution role of the Lambda function ${var.function_name}."
  tags        = var.tags

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "LambdaAssumeRole"
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_158:Function logs hold test traces only and CloudWatch Logs encrypts them at rest with its service key; a customer-managed key needs a key policy for the CloudWatch Logs service principal, which this module does not manage.
  #checkov:skip=CKV_AWS_338:Retention is the caller's choice (log_retention_in_days, default 14 days for disposable test stacks); a one-year minimum would keep test logs and their cost long after the run.
  name              = local.log_group_name
  retention_in_days = var.log_retention_in_days
  tags              = var.tags
}

resource "aws_iam_role_policy" "this" {
  name = "${var.function_name}-policy"
  role = aws_iam_role.this.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [{
        Sid      = "WriteOwnLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = ["${aws_cloudwatch_log_group.this.arn}:*"]
      }],
      [for s in var.policy_statements : merge(
        s.sid == null ? {} : { Sid = s.sid },
        { Effect = s.effect, Action = s.actions, Resource = s.resources },
      )],
    )
  })
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_116:An SQS-triggered function is invoked synchronously; a function DLQ applies only to asynchronous invocations. Failed messages go to the source queue's redrive DLQ (sqs-queue module).
  #checkov:skip=CKV_AWS_117:The functions call only AWS service APIs (SQS, CloudWatch Logs); a VPC would need NAT or interface endpoints and protects no private resource here. A caller that needs one can wrap this module.
  #checkov:skip=CKV_AWS_115:Reserved concurrency is the caller's account-capacity decision (reserved_concurrent_executions, default -1 = unreserved); SQS consumers are capped per mapping with maximum_concurrency (sqs-lambda-trigger), and the harness measures unthrottled scaling.
  #checkov:skip=CKV_AWS_272:Packages are built at plan time from sources in this repository (archive_file) or given as zip_path; code signing needs an AWS Signer profile, which emulators and disposable test accounts do not have.
  #checkov:skip=CKV_AWS_173:Environment variables carry only queue URLs and flags, never secrets (the module does not take any); Lambda encrypts them at rest with its AWS-managed key.
  #checkov:skip=CKV_AWS_50:X-Ray tracing is outside what this module provides; the harness observes behaviour through SQS and invocation results, and tracing would need extra role permissions that emulators do not honour.
  function_name    = var.function_name
  description      = var.description
  role             = aws_iam_role.this.arn
  handler          = var.handler
  runtime          = var.runtime
  memory_size      = var.memory_size
  timeout          = var.timeout
  filename         = local.package_path
  source_code_hash = local.package_hash
  # -1: unreserved (the provider removes any reservation); 0: every invocation throttled.
  reserved_concurrent_executions = var.reserved_concurrent_executions
  tags                           = var.tags

  dynamic "environment" {
    for_each = length(var.environment_variables) > 0 ? [1] : []
    content {
      variables = var.environment_variables
    }
  }

  # The log group exists (with its retention) before the first invocation could create it, and
  # the role can write to it.
  depends_on = [aws_cloudwatch_log_group.this, aws_iam_role_policy.this]

  lifecycle {
    precondition {
      condition     = (var.source_dir == null) != (var.zip_path == null)
      error_message = "Set exactly one of source_dir and zip_path (got ${var.source_dir == null && var.zip_path == null ? "neither" : "both"}): the deployment package comes from one place."
    }

    precondition {
      condition     = var.zip_path == null ? true : fileexists(var.zip_path)
      error_message = "zip_path does not name an existing file: the deployment package must exist at plan time."
    }
  }
}
