variable "fifo" {
  type        = bool
  nullable    = false
  default     = false
  description = "FIFO source queue, DLQ and sink (names end with .fifo; the source uses content-based deduplication)."
}

variable "batch_size" {
  type        = number
  nullable    = false
  default     = 10
  description = "Records per consumer invocation (1-10000; at most 10 with fifo; above 10 needs a batching window >= 1)."

  validation {
    condition     = var.batch_size >= 1 && var.batch_size <= 10000
    error_message = "batch_size must be between 1 and 10000 (Lambda SQS event source BatchSize range)."
  }
}

variable "maximum_batching_window_in_seconds" {
  type        = number
  nullable    = false
  default     = 0
  description = "Batching window of the mapping (0-300 s; standard queues only, so 0 with fifo)."

  validation {
    condition     = var.maximum_batching_window_in_seconds >= 0 && var.maximum_batching_window_in_seconds <= 300
    error_message = "maximum_batching_window_in_seconds must be between 0 and 300 (Lambda MaximumBatchingWindowInSeconds range)."
  }
}

variable "max_receive_count" {
  type        = number
  nullable    = false
  default     = 5
  description = "Receives before a source message moves to the DLQ (1-1000)."

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000
    error_message = "max_receive_count must be between 1 and 1000 (SQS RedrivePolicy maxReceiveCount range)."
  }
}

variable "create_dlq" {
  type        = bool
  nullable    = false
  default     = true
  description = "Give the source queue a DLQ <p>-src-dlq and a redrive policy (max_receive_count). false spares the provider's second wait (the redrive policy's) for a pipeline that never redrives."
}

variable "consumer_timeout" {
  type        = number
  nullable    = false
  default     = 3
  description = "Timeout of the consumer function (1-900 s)."

  validation {
    condition     = var.consumer_timeout >= 1 && var.consumer_timeout <= 900
    error_message = "consumer_timeout must be between 1 and 900 (Lambda timeout range)."
  }
}

variable "visibility_timeout_seconds" {
  type        = number
  default     = null
  description = "Visibility timeout of the source queue; null = 6 x consumer_timeout + maximum_batching_window_in_seconds (the AWS minimum for an SQS trigger)."

  validation {
    condition     = var.visibility_timeout_seconds == null ? true : (var.visibility_timeout_seconds >= 0 && var.visibility_timeout_seconds <= 43200)
    error_message = "visibility_timeout_seconds must be null or between 0 and 43200 (SQS VisibilityTimeout range)."
  }
}

variable "maximum_concurrency" {
  type        = number
  default     = null
  description = "Cap on concurrent consumer batches (2-1000), or null for none."

  validation {
    condition     = var.maximum_concurrency == null ? true : (var.maximum_concurrency >= 2 && var.maximum_concurrency <= 1000)
    error_message = "maximum_concurrency must be null or between 2 and 1000 (Lambda ScalingConfig MaximumConcurrency range)."
  }
}

variable "mapping_enabled" {
  type        = bool
  nullable    = false
  default     = true
  description = "Whether the mapping polls from the start. false lets a test fill the queue and then enable the mapping, so that the first batch holds every message."
}
