variable "queue" {
  type = object({
    queue_arn                  = string
    fifo_queue                 = bool
    visibility_timeout_seconds = number
    kms_master_key_id          = optional(string)
  })
  nullable    = false
  description = "The source queue: pass the sqs-queue module itself (queue = module.orders_queue), or an object with its queue_arn, fifo_queue, visibility_timeout_seconds and kms_master_key_id (a key ID, key ARN, alias name or alias ARN; null for SSE-SQS). Other attributes are ignored. The key's form is validated once, by sqs-queue: a hand-built object's key is taken as given."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,80}(\\.fifo)?$", var.queue.queue_arn)) && length(element(split(":", var.queue.queue_arn), 5)) <= 80
    error_message = "queue.queue_arn must be an SQS queue ARN, arn:aws:sqs:<region>:<12-digit account>:<queue name of at most 80 characters> (Lambda EventSourceArn for Amazon SQS is the ARN of the queue); got \"${var.queue.queue_arn}\"."
  }

  validation {
    condition     = var.queue.fifo_queue == endswith(var.queue.queue_arn, ".fifo")
    error_message = "queue.fifo_queue is ${var.queue.fifo_queue} but the queue ARN ${endswith(var.queue.queue_arn, ".fifo") ? "ends" : "does not end"} with .fifo (SQS: a queue is FIFO exactly when its name ends with .fifo); got \"${var.queue.queue_arn}\"."
  }

  validation {
    condition     = var.queue.visibility_timeout_seconds == floor(var.queue.visibility_timeout_seconds) && var.queue.visibility_timeout_seconds >= 0 && var.queue.visibility_timeout_seconds <= 43200
    error_message = "queue.visibility_timeout_seconds must be an integer between 0 and 43200 (SQS VisibilityTimeout range); got ${var.queue.visibility_timeout_seconds}."
  }
}

variable "function" {
  type = object({
    function_name = string
    role_name     = string
    timeout       = number
  })
  nullable    = false
  description = "The function to invoke: pass the lambda-function module itself (function = module.processor), or an object with its function_name (name or ARN), role_name (its execution role, which gets the poller's permissions) and timeout (1-900 s). Other attributes are ignored."

  validation {
    condition     = can(regex("^(arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:)?[A-Za-z0-9_-]{1,64}(:(\\$LATEST|[A-Za-z0-9_-]{1,128}))?$", var.function.function_name))
    error_message = "function.function_name must be a Lambda function name (1-64 letters, digits, hyphens, underscores), optionally qualified (:alias or :version), or a function ARN (Lambda FunctionName rule); got \"${var.function.function_name}\"."
  }

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.function.role_name))
    error_message = "function.role_name must be an IAM role name: 1-64 characters of letters, digits and +=,.@_- (IAM rule); got \"${var.function.role_name}\"."
  }

  validation {
    condition     = var.function.timeout == floor(var.function.timeout) && var.function.timeout >= 1 && var.function.timeout <= 900
    error_message = "function.timeout must be an integer between 1 and 900 seconds (Lambda timeout range); got ${var.function.timeout}."
  }
}

variable "batch_size" {
  type        = number
  nullable    = false
  default     = 10
  description = "Most records per invocation (BatchSize): 1-10000; at most 10 on a FIFO queue; above 10 needs maximum_batching_window_in_seconds of at least 1."

  validation {
    condition     = var.batch_size == floor(var.batch_size) && var.batch_size >= 1 && var.batch_size <= 10000
    error_message = "batch_size must be an integer between 1 and 10000 (Lambda BatchSize for Amazon SQS: at most 10000 on a standard queue); got ${var.batch_size}."
  }
}

variable "maximum_batching_window_in_seconds" {
  type        = number
  nullable    = false
  default     = 0
  description = "How long Lambda gathers records before invoking (MaximumBatchingWindowInSeconds): 0-300 s, standard queues only (0 on a FIFO queue)."

  validation {
    condition     = var.maximum_batching_window_in_seconds == floor(var.maximum_batching_window_in_seconds) && var.maximum_batching_window_in_seconds >= 0 && var.maximum_batching_window_in_seconds <= 300
    error_message = "maximum_batching_window_in_seconds must be an integer between 0 and 300 (Lambda MaximumBatchingWindowInSeconds range, in whole seconds); got ${var.maximum_batching_window_in_seconds}."
  }
}

variable "report_batch_item_failures" {
  type        = bool
  nullable    = false
  default     = true
  description = "FunctionResponseTypes = [\"ReportBatchItemFailures\"] (the only value Lambda takes): the function may return {\"batchItemFailures\": [...]} so only the listed messages are retried."
}

variable "maximum_concurrency" {
  type        = number
  default     = null
  description = "ScalingConfig.MaximumConcurrency: cap on concurrent invocations by this mapping (2-1000), or null for no cap."

  validation {
    condition     = var.maximum_concurrency == null ? true : (var.maximum_concurrency == floor(var.maximum_concurrency) && var.maximum_concurrency >= 2 && var.maximum_concurrency <= 1000)
    error_message = "maximum_concurrency must be null or an integer between 2 and 1000 (Lambda ScalingConfig MaximumConcurrency range); got ${coalesce(var.maximum_concurrency, "null")}."
  }
}

variable "filter_patterns" {
  type        = list(string)
  nullable    = false
  default     = []
  description = "FilterCriteria: up to 5 event filter patterns, each a JSON object of at most 4096 characters (OR-ed); messages that match none are deleted without invoking the function."

  validation {
    condition     = length(var.filter_patterns) <= 5
    error_message = "filter_patterns may hold at most 5 patterns (Lambda quota: 5 filters per event source mapping); got ${length(var.filter_patterns)}."
  }

  validation {
    condition     = alltrue([for p in var.filter_patterns : can(keys(jsondecode(p)))])
    error_message = "Each of filter_patterns must be valid JSON holding an object, e.g. {\"body\": {\"kind\": [\"order\"]}} (Lambda filter rule syntax); not one: ${join(", ", [for p in var.filter_patterns : jsonencode(p) if !can(keys(jsondecode(p)))])}."
  }

  validation {
    condition     = alltrue([for p in var.filter_patterns : length(p) <= 4096])
    error_message = "Each of filter_patterns must be at most 4096 characters (Lambda Filter Pattern length); got ${join(", ", [for p in var.filter_patterns : length(p) if length(p) > 4096])} characters."
  }
}

variable "metrics" {
  type        = list(string)
  nullable    = false
  default     = []
  description = "MetricsConfig.Metrics: [\"EventCount\"] to publish the mapping's event-count metrics, or [] for none (ErrorCount and KafkaMetrics exist only for Kafka sources)."

  validation {
    condition     = alltrue([for m in var.metrics : m == "EventCount"]) && length(distinct(var.metrics)) == length(var.metrics)
    error_message = "metrics may hold only \"EventCount\", once (Lambda MetricsConfig: EventCount is the metric of an Amazon SQS source; ErrorCount and KafkaMetrics are for Amazon MSK and self-managed Apache Kafka only); got ${jsonencode(var.metrics)}."
  }
}

variable "enabled" {
  type        = bool
  nullable    = false
  default     = true
  description = "Whether the mapping polls the queue (Enabled); false pauses polling and invocation."
}

variable "tags" {
  type        = map(string)
  nullable    = false
  default     = {}
  description = "Tags for the mapping: at most 50; keys 1-128 and values at most 256 Unicode letters, digits, spaces and _ . : / = + - @; keys must not start with aws:."

  validation {
    condition     = length(var.tags) <= 50
    error_message = "tags may hold at most 50 tags (Lambda: at most 50 tags per resource); got ${length(var.tags)}."
  }

  validation {
    condition     = alltrue([for key, value in var.tags : length(key) >= 1 && length(key) <= 128 && length(value) <= 256])
    error_message = "Each tag key must be 1-128 characters and each tag value at most 256 characters (Lambda TagKey and TagValue lengths); too long: ${join(", ", [for key, value in var.tags : key if length(key) < 1 || length(key) > 128 || length(value) > 256])}."
  }

  validation {
    condition     = alltrue([for key, value in var.tags : can(regex("^[\\p{L}\\p{Z}\\p{N}_.:/=+@-]*$", "${key}${value}"))])
    error_message = "Tag keys and values may contain only Unicode letters, digits, spaces and _ . : / = + - @ (Lambda TagKey and TagValue pattern); offending keys: ${join(", ", [for key, value in var.tags : jsonencode(key) if !can(regex("^[\\p{L}\\p{Z}\\p{N}_.:/=+@-]*$", "${key}${value}"))])}."
  }

  validation {
    condition     = alltrue([for key in keys(var.tags) : !startswith(lower(key), "aws:")])
    error_message = "Tag keys must not start with aws: (AWS reserves that prefix); offending keys: ${join(", ", [for key in keys(var.tags) : key if startswith(lower(key), "aws:")])}."
  }
}
