# Both read from the provider's configuration (the account the role is created in).
data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}

locals {
  partition = data.aws_partition.current.partition
  account   = data.aws_caller_identity.current.account_id

  # What the harness names (sqs_lambda_harness/cleanup/tags.py NAME_ROOT): every resource name
  # starts with hx-.
  name_root = "hx-"

  queues    = "arn:${local.partition}:sqs:*:${local.account}:${local.name_root}*"
  functions = "arn:${local.partition}:lambda:*:${local.account}:function:${local.name_root}*"
  mappings  = "arn:${local.partition}:lambda:*:${local.account}:event-source-mapping:*"
  roles     = "arn:${local.partition}:iam::${local.account}:role/${local.name_root}*"
  policies  = "arn:${local.partition}:iam::${local.account}:policy/${local.name_root}*"
  # Matches both forms of a log group's ARN: log-group:NAME (tagging APIs) and
  # log-group:NAME:* (every other API).
  log_groups = "arn:${local.partition}:logs:*:${local.account}:log-group:/aws/lambda/${local.name_root}*"

  oidc_host         = "token.actions.githubusercontent.com"
  oidc_provider_arn = var.create_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : var.oidc_provider_arn
  subject           = var.github_environment != null ? "repo:${var.github_repository}:environment:${var.github_environment}" : "repo:${var.github_repository}:ref:refs/heads/${var.github_branch}"

  # One statement per job, each named (Sid) so tests/iam proves it needed and enough; the
  # "*" resources are the actions AWS authorizes on no resource (list calls, the mapping create).
  statements = [
    {
      # aws_sqs_queue, aws_sqs_queue_redrive_policy, aws_sqs_queue_redrive_allow_policy; the
      # sweeper's ListQueueTags and DeleteQueue. TagQueue: tags given at CreateQueue need it.
      Sid    = "HarnessQueues"
      Effect = "Allow"
      Action = [
        "sqs:CreateQueue", "sqs:DeleteQueue", "sqs:GetQueueAttributes", "sqs:SetQueueAttributes",
        "sqs:GetQueueUrl", "sqs:ListQueueTags", "sqs:TagQueue", "sqs:UntagQueue",
      ]
      Resource = [local.queues]
    },
    {
      # The sweeper lists queues by prefix; ListQueues has no resource-level permissions.
      Sid      = "ListQueues"
      Effect   = "Allow"
      Action   = ["sqs:ListQueues"]
      Resource = ["*"]
    },
    {
      # aws_lambda_function (create, read, update, delete, tags, reserved concurrency); the
      # sweeper's ListTags and DeleteFunction. TagResource: tags given at CreateFunction need it.
      Sid    = "HarnessFunctions"
      Effect = "Allow"
      Action = [
        "lambda:CreateFunction", "lambda:DeleteFunction", "lambda:GetFunction",
        "lambda:GetFunctionConfiguration", "lambda:GetFunctionCodeSigningConfig",
        "lambda:ListVersionsByFunction", "lambda:UpdateFunctionCode",
        "lambda:UpdateFunctionConfiguration", "lambda:ListTags", "lambda:TagResource",
        "lambda:UntagResource", "lambda:PutFunctionConcurrency",
        "lambda:DeleteFunctionConcurrency",
      ]
      Resource = [local.functions]
    },
    {
      # The sweeper lists functions, then each one's mappings; neither has resource-level
      # permissions.
      Sid      = "ListFunctionsAndMappings"
      Effect   = "Allow"
      Action   = ["lambda:ListFunctions", "lambda:ListEventSourceMappings"]
      Resource = ["*"]
    },
    {
      # aws_lambda_event_source_mapping: create, change and delete a mapping, only for an hx-
      # function (CreateEventSourceMapping names no resource; lambda:FunctionArn scopes all three).
      Sid      = "MappingsOfHarnessFunctions"
      Effect   = "Allow"
      Action   = ["lambda:CreateEventSourceMapping", "lambda:UpdateEventSourceMapping", "lambda:DeleteEventSourceMapping"]
      Resource = ["*"]
      Condition = {
        ArnLike = { "lambda:FunctionArn" = local.functions }
      }
    },
    {
      # Reading a mapping and its tags (a mapping ARN carries no name to scope by).
      Sid      = "ReadAndTagMappings"
      Effect   = "Allow"
      Action   = ["lambda:GetEventSourceMapping", "lambda:ListTags", "lambda:TagResource", "lambda:UntagResource"]
      Resource = [local.mappings]
    },
    {
      # aws_iam_role of every function (create, read, update, delete, tags); the sweeper's
      # ListRoleTags, ListRolePolicies, ListAttachedRolePolicies and DeleteRole.
      Sid    = "HarnessRoles"
      Effect = "Allow"
      Action = [
        "iam:CreateRole", "iam:DeleteRole", "iam:GetRole", "iam:UpdateRole",
        "iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:UntagRole",
        "iam:ListRoleTags", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies",
        "iam:ListInstanceProfilesForRole",
      ]
      Resource = [local.roles]
    },
    {
      # aws_iam_role_policy (the functions' own and the trigger's); the sweeper's
      # DeleteRolePolicy.
      Sid      = "InlinePoliciesOfHarnessRoles"
      Effect   = "Allow"
      Action   = ["iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy"]
      Resource = [local.roles]
    },
    {
      # CreateFunction hands the function its hx- role: to Lambda, and to nothing else.
      Sid      = "PassHarnessRolesToLambda"
      Effect   = "Allow"
      Action   = ["iam:PassRole"]
      Resource = [local.roles]
      Condition = {
        StringEquals = { "iam:PassedToService" = "lambda.amazonaws.com" }
      }
    },
    {
      # The sweeper lists roles and customer-managed policies; neither has resource-level
      # permissions.
      Sid      = "ListRolesAndPolicies"
      Effect   = "Allow"
      Action   = ["iam:ListRoles", "iam:ListPolicies"]
      Resource = ["*"]
    },
    {
      # The sweeper deletes hx- managed policies (stacks of other repositories may make them).
      Sid      = "SweepHarnessPolicies"
      Effect   = "Allow"
      Action   = ["iam:ListPolicyTags", "iam:ListEntitiesForPolicy", "iam:ListPolicyVersions", "iam:DeletePolicyVersion", "iam:DeletePolicy"]
      Resource = [local.policies]
    },
    {
      # The sweeper detaches managed policies from hx- roles before deleting them: only hx-
      # policies.
      Sid      = "DetachHarnessPolicies"
      Effect   = "Allow"
      Action   = ["iam:DetachRolePolicy"]
      Resource = [local.roles]
      Condition = {
        ArnLike = { "iam:PolicyARN" = local.policies }
      }
    },
    {
      # aws_cloudwatch_log_group of every function (create with retention and tags, read,
      # update, delete); the sweeper's tag listing and DeleteLogGroup. TagResource: tags
      # given at CreateLogGroup need it.
      Sid    = "HarnessLogGroups"
      Effect = "Allow"
      Action = [
        "logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy",
        "logs:DeleteRetentionPolicy", "logs:TagResource", "logs:UntagResource",
        "logs:ListTagsForResource", "logs:TagLogGroup", "logs:UntagLogGroup",
        "logs:ListTagsLogGroup",
      ]
      Resource = [local.log_groups]
    },
    {
      # The provider reads a log group, and the sweeper finds them, with DescribeLogGroups
      # by name prefix; it authorizes on no log group's ARN.
      Sid      = "DescribeLogGroups"
      Effect   = "Allow"
      Action   = ["logs:DescribeLogGroups"]
      Resource = ["*"]
    },
    {
      # The suite's probes: send, receive, delete and hide messages, and move a DLQ's messages
      # back (StartMessageMoveTask, on the DLQ). The batch calls are authorized as these.
      Sid    = "UseHarnessQueues"
      Effect = "Allow"
      Action = [
        "sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility", "sqs:StartMessageMoveTask",
      ]
      Resource = [local.queues]
    },
    {
      # The suite invokes its stacks' functions (the producers, the three-function demo).
      Sid      = "InvokeHarnessFunctions"
      Effect   = "Allow"
      Action   = ["lambda:InvokeFunction"]
      Resource = [local.functions]
    },
    {
      # The suite reads what its functions logged (REPORT lines, handler records), and the
      # harness counts a run's usage from them before each teardown.
      Sid      = "ReadHarnessLogs"
      Effect   = "Allow"
      Action   = ["logs:FilterLogEvents"]
      Resource = [local.log_groups]
    },
  ]

  policy_json = jsonencode({ Version = "2012-10-17", Statement = local.statements })

  trust_policy_json = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "GitHubActionsOfOneRepository"
      Effect    = "Allow"
      Principal = { Federated = local.oidc_provider_arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = {
          "${local.oidc_host}:aud" = var.oidc_audience
          "${local.oidc_host}:sub" = local.subject
        }
      }
    }]
  })
}

resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_oidc_provider ? 1 : 0

  url            = "https://${local.oidc_host}"
  client_id_list = [var.oidc_audience]
  tags           = var.tags
}

resource "aws_iam_role" "this" {
  name                 = var.role_name
  description          = "Assumed by the GitHub workflows of ${local.subject} to run the sqs-lambda-harness suite: hx- resources only."
  assume_role_policy   = local.trust_policy_json
  max_session_duration = var.max_session_duration
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags

  lifecycle {
    precondition {
      condition     = var.create_oidc_provider != (var.oidc_provider_arn != null)
      error_message = "Set exactly one of create_oidc_provider = true and oidc_provider_arn (got ${var.create_oidc_provider ? "both" : "neither"}): the role trusts one GitHub OIDC provider, created here or already in the account."
    }
  }
}

resource "aws_iam_role_policy" "this" {
  #checkov:skip=CKV_AWS_355:"*" only for actions AWS authorizes on no resource: ListQueues, ListFunctions, ListEventSourceMappings, ListRoles, ListPolicies, DescribeLogGroups, and the mapping calls (scoped to hx- functions by lambda:FunctionArn).
  #checkov:skip=CKV_AWS_290:Write access is limited by name (hx- queues, functions, roles, policies, log groups) or by condition (mappings of hx- functions; PassRole to Lambda only); see the statements.
  #checkov:skip=CKV_AWS_289:Permissions management (roles and inline policies) is limited to hx- roles, which the harness creates for its functions; the role itself is not hx- (a variable validation).
  #checkov:skip=CKV_AWS_287:No credentials are exposed; the list actions name resources only.
  #checkov:skip=CKV_AWS_288:Data exfiltration: the role reads queue attributes and tags of hx- resources only; it cannot receive messages.
  name   = "sqs-lambda-harness"
  role   = aws_iam_role.this.id
  policy = local.policy_json
}
