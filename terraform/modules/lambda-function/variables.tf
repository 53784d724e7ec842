variable "function_name" {
  type        = string
  nullable    = false
  description = "Function name: 1-64 characters of A-Z a-z 0-9 _ -. Also names the role (<name>-role, cut to 64) and the log group /aws/lambda/<name>."

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.function_name))
    error_message = "function_name must be 1-64 characters of letters, digits, hyphens and underscores (Lambda function name rule)."
  }
}

variable "description" {
  type        = string
  nullable    = false
  default     = ""
  description = "Description of the function (at most 256 characters)."

  validation {
    condition     = length(var.description) <= 256
    error_message = "description must be at most 256 characters (Lambda function description limit)."
  }
}

variable "source_dir" {
  type        = string
  default     = null
  description = "Directory with the handler's Python sources, zipped to <root>/.build/<function_name>.zip. Set exactly one of source_dir and zip_path."

  validation {
    condition     = var.source_dir == null ? true : length(trimspace(var.source_dir)) > 0
    error_message = "source_dir must be null or a non-empty directory path."
  }
}

variable "zip_path" {
  type        = string
  default     = null
  description = "Path of a ready-made deployment package (.zip). Set exactly one of source_dir and zip_path."

  validation {
    condition     = var.zip_path == null ? true : endswith(lower(var.zip_path), ".zip")
    error_message = "zip_path must be null or the path of a .zip file (Lambda deployment packages for Python are zip archives)."
  }
}

variable "handler" {
  type        = string
  nullable    = false
  default     = "handler.handler"
  description = "Entry point as <module>.<function> (at most 128 characters, no whitespace)."

  validation {
    condition     = can(regex("^[^\\s]{1,128}$", var.handler))
    error_message = "handler must be 1-128 characters without whitespace, e.g. handler.handler (Lambda Handler rule)."
  }
}

variable "runtime" {
  type        = string
  nullable    = false
  default     = "python3.12"
  description = "Python runtime: one of python3.9, python3.10, python3.11, python3.12, python3.13."

  validation {
    condition     = contains(["python3.9", "python3.10", "python3.11", "python3.12", "python3.13"], var.runtime)
    error_message = "runtime must be one of python3.9, python3.10, python3.11, python3.12, python3.13 (this module packages Python handlers only)."
  }
}

variable "memory_size" {
  type        = number
  nullable    = false
  default     = 128
  description = "Memory in MB (128-10240)."

  validation {
    condition     = var.memory_size == floor(var.memory_size) && var.memory_size >= 128 && var.memory_size <= 10240
    error_message = "memory_size must be an integer between 128 and 10240 MB (Lambda memory range)."
  }
}

variable "timeout" {
  type        = number
  nullable    = false
  default     = 3
  description = "Function timeout in seconds (1-900). Behind an SQS trigger the queue's visibility timeout must be at least 6 x this."

  validation {
    condition     = var.timeout == floor(var.timeout) && var.timeout >= 1 && var.timeout <= 900
    error_message = "timeout must be an integer between 1 and 900 seconds (Lambda maximum timeout is 15 minutes)."
  }
}

variable "reserved_concurrent_executions" {
  type        = number
  nullable    = false
  default     = -1
  description = "Reserved concurrency (ReservedConcurrentExecutions): -1 leaves the function unreserved (it shares the account's unreserved pool); 0 throttles every invocation; n > 0 reserves n concurrent executions and caps the function at n. Lambda refuses a reservation that would leave less than 100 of the account's concurrency quota (1,000 by default, raisable) unreserved; that depends on the account, so only Lambda checks it."

  validation {
    condition     = var.reserved_concurrent_executions == floor(var.reserved_concurrent_executions) && var.reserved_concurrent_executions >= -1
    error_message = "reserved_concurrent_executions must be -1 (unreserved) or an integer of at least 0 (Lambda ReservedConcurrentExecutions: minimum 0; 0 throttles every invocation); got ${var.reserved_concurrent_executions}."
  }
}

variable "environment_variables" {
  type        = map(string)
  nullable    = false
  default     = {}
  description = "Environment variables. Keys match ^[a-zA-Z][a-zA-Z0-9_]*$ and are not Lambda-reserved (AWS_REGION, AWS_LAMBDA_*, _HANDLER, ...); at most 4 KB in total."

  validation {
    condition     = alltrue([for key in keys(var.environment_variables) : can(regex("^[a-zA-Z][a-zA-Z0-9_]*$", key))])
    error_message = "environment_variables keys must start with a letter and contain only letters, digits and underscores (Lambda rule ^[a-zA-Z][a-zA-Z0-9_]*$)."
  }

  validation {
    condition = length(setintersection(keys(var.environment_variables), [
      "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
      "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
      "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
      "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
      "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
    ])) == 0
    error_message = "environment_variables must not set a reserved key (Lambda reserves _HANDLER, _X_AMZN_TRACE_ID, AWS_DEFAULT_REGION, AWS_REGION, AWS_EXECUTION_ENV, AWS_LAMBDA_FUNCTION_NAME, AWS_LAMBDA_FUNCTION_MEMORY_SIZE, AWS_LAMBDA_FUNCTION_VERSION, AWS_LAMBDA_INITIALIZATION_TYPE, AWS_LAMBDA_LOG_GROUP_NAME, AWS_LAMBDA_LOG_STREAM_NAME, AWS_ACCESS_KEY, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_LAMBDA_RUNTIME_API, LAMBDA_TASK_ROOT, LAMBDA_RUNTIME_DIR)."
  }

  validation {
    condition     = sum(concat([0], [for key, value in var.environment_variables : length(key) + length(value)])) <= 4096
    error_message = "environment_variables must total at most 4096 characters of keys and values (Lambda limits all environment variables to 4 KB)."
  }
}

variable "log_retention_in_days" {
  type        = number
  nullable    = false
  default     = 14
  description = "Retention of the log group /aws/lambda/<name>: one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 (the values CloudWatch Logs accepts)."
  }
}

variable "policy_statements" {
  type = list(object({
    sid       = optional(string)
    effect    = optional(string, "Allow")
    actions   = list(string)
    resources = list(string)
  }))
  nullable    = false
  default     = []
  description = "Extra IAM statements for the execution role. Actions must be explicit: no \"*\" anywhere in an action."

  validation {
    condition     = alltrue([for s in var.policy_statements : alltrue([for a in s.actions : !strcontains(a, "*")])])
    error_message = "policy_statements actions must not contain \"*\" (no \"*\", \"sqs:*\" or \"sqs:Get*\"): grant each action explicitly (least privilege)."
  }

  validation {
    condition     = alltrue([for s in var.policy_statements : alltrue([for a in s.actions : can(regex("^[a-zA-Z0-9-]+:[a-zA-Z0-9]+$", a))])])
    error_message = "policy_statements actions must look like service:Action, e.g. sqs:SendMessage (IAM action format)."
  }

  validation {
    condition     = alltrue([for s in var.policy_statements : length(s.actions) > 0 && length(s.resources) > 0])
    error_message = "Each of policy_statements needs at least one action and one resource (IAM statement rule)."
  }

  validation {
    condition     = alltrue([for s in var.policy_statements : s.effect == "Allow" || s.effect == "Deny"])
    error_message = "policy_statements effect must be \"Allow\" or \"Deny\" (IAM Effect values)."
  }

  validation {
    condition     = alltrue([for s in var.policy_statements : s.sid == null ? true : can(regex("^[A-Za-z0-9]+$", s.sid))])
    error_message = "policy_statements sid must be letters and digits only (IAM Sid rule)."
  }
}

variable "tags" {
  type        = map(string)
  nullable    = false
  default     = {}
  description = "Tags for the function, its role and its log group (at most 50; keys 1-128 characters, values at most 256; no aws: prefix)."

  validation {
    condition     = length(var.tags) <= 50
    error_message = "tags may hold at most 50 tags (AWS limit of tags per resource)."
  }

  validation {
    condition     = alltrue([for key, value in var.tags : length(key) >= 1 && length(key) <= 128 && length(value) <= 256])
    error_message = "Each tag key must be 1-128 characters and each tag value at most 256 characters (AWS tag limits)."
  }

  validation {
    condition     = alltrue([for key in keys(var.tags) : !startswith(lower(key), "aws:")])
    error_message = "Tag keys must not start with aws: (that prefix is reserved for AWS)."
  }
}
