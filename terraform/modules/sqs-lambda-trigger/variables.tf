variable "queue_arn" {
  type        = string
  nullable    = false
  description = "ARN of the SQS queue that feeds the function."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,80}(\\.fifo)?$", var.queue_arn))
    error_message = "queue_arn must be an SQS queue ARN, arn:aws:sqs:<region>:<12-digit account>:<queue name>."
  }
}

variable "function_name" {
  type        = string
  nullable    = false
  description = "Name (or ARN) of the Lambda function to invoke."

  validation {
    condition     = can(regex("^(arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:)?[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]{1,128})?$", var.function_name))
    error_message = "function_name must be a Lambda function name (1-64 characters of letters, digits, hyphens, underscores) or function ARN."
  }
}

variable "function_role_name" {
  type        = string
  nullable    = false
  description = "Name of the function's execution role; it gets the SQS (and KMS) permissions the mapping needs."

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.function_role_name))
    error_message = "function_role_name must be an IAM role name: 1-64 characters of letters, digits and +=,.@_- (IAM rule)."
  }
}

variable "function_timeout" {
  type        = number
  nullable    = false
  description = "The function's timeout in seconds (1-900), used to check the queue's visibility timeout."

  validation {
    condition     = var.function_timeout == floor(var.function_timeout) && var.function_timeout >= 1 && var.function_timeout <= 900
    error_message = "function_timeout must be an integer between 1 and 900 seconds (Lambda timeout range)."
  }
}

variable "queue_visibility_timeout_seconds" {
  type        = number
  nullable    = false
  description = "The queue's visibility timeout in seconds (0-43200); must be at least 6 x function_timeout + maximum_batching_window_in_seconds."

  validation {
    condition     = var.queue_visibility_timeout_seconds == floor(var.queue_visibility_timeout_seconds) && var.queue_visibility_timeout_seconds >= 0 && var.queue_visibility_timeout_seconds <= 43200
    error_message = "queue_visibility_timeout_seconds must be an integer between 0 and 43200 (SQS VisibilityTimeout range)."
  }
}

variable "queue_fifo" {
  type        = bool
  nullable    = false
  description = "Whether the queue is FIFO (limits batch_size to 10)."
}

variable "queue_kms_key_arn" {
  type        = string
  default     = null
  description = "ARN of the KMS key that encrypts the queue (SSE-KMS); the role then gets kms:Decrypt on it. null for SSE-SQS or no encryption."

  validation {
    condition     = var.queue_kms_key_arn == null ? true : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.queue_kms_key_arn))
    error_message = "queue_kms_key_arn must be null or a KMS key ARN, arn:aws:kms:<region>:<account>:key/<key id> (IAM grants kms:Decrypt on key ARNs, not on aliases or bare key IDs)."
  }
}

variable "batch_size" {
  type        = number
  nullable    = false
  default     = 10
  description = "Most records per invocation (1-10000; at most 10 on FIFO; above 10 needs a batching window of at least 1 s)."

  validation {
    condition     = var.batch_size == floor(var.batch_size) && var.batch_size >= 1 && var.batch_size <= 10000
    error_message = "batch_size must be an integer between 1 and 10000 (Lambda SQS event source BatchSize range)."
  }
}

variable "maximum_batching_window_in_seconds" {
  type        = number
  nullable    = false
  default     = 0
  description = "How long Lambda gathers records before invoking (0-300 s)."

  validation {
    condition     = var.maximum_batching_window_in_seconds == floor(var.maximum_batching_window_in_seconds) && var.maximum_batching_window_in_seconds >= 0 && var.maximum_batching_window_in_seconds <= 300
    error_message = "maximum_batching_window_in_seconds must be an integer between 0 and 300 (Lambda MaximumBatchingWindowInSeconds range)."
  }
}

variable "report_batch_item_failures" {
  type        = bool
  nullable    = false
  default     = true
  description = "Let the function return {\"batchItemFailures\": [...]} so only the listed messages are retried."
}

variable "maximum_concurrency" {
  type        = number
  default     = null
  description = "Cap on concurrent batches for this mapping (2-1000), or null for no cap."

  validation {
    condition     = var.maximum_concurrency == null ? true : (var.maximum_concurrency == floor(var.maximum_concurrency) && var.maximum_concurrency >= 2 && var.maximum_concurrency <= 1000)
    error_message = "maximum_concurrency must be null or an integer between 2 and 1000 (Lambda ScalingConfig MaximumConcurrency range)."
  }
}

variable "filter_patterns" {
  type        = list(string)
  nullable    = false
  default     = []
  description = "Up to 5 event filter patterns (JSON objects, OR-ed); non-matching messages are deleted without invoking the function."

  validation {
    condition     = length(var.filter_patterns) <= 5
    error_message = "filter_patterns may hold at most 5 patterns (Lambda FilterCriteria limit per SQS event source mapping)."
  }

  validation {
    condition     = alltrue([for p in var.filter_patterns : can(keys(jsondecode(p)))])
    error_message = "Each of filter_patterns must be valid JSON holding an object, e.g. {\"body\": {\"kind\": [\"order\"]}} (Lambda filter patterns are JSON objects)."
  }

  validation {
    condition     = alltrue([for p in var.filter_patterns : length(p) <= 4096])
    error_message = "Each of filter_patterns must be at most 4096 characters (Lambda filter pattern limit)."
  }
}

variable "enabled" {
  type        = bool
  nullable    = false
  default     = true
  description = "Whether the mapping polls the queue."
}
