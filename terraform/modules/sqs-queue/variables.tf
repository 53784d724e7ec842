variable "name" {
  type        = string
  nullable    = false
  description = "Full queue name: 1-80 characters of A-Z a-z 0-9 _ -; a FIFO queue's name ends with .fifo, which counts towards the 80."

  validation {
    condition     = length(var.name) >= 1 && length(var.name) <= 80
    error_message = "name must be 1-80 characters long, including any .fifo suffix (SQS queue names are at most 80 characters)."
  }

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]+(\\.fifo)?$", var.name))
    error_message = "name may contain only letters, digits, hyphens and underscores, plus a final .fifo for a FIFO queue (SQS queue name rule)."
  }
}

variable "fifo_queue" {
  type        = bool
  nullable    = false
  default     = false
  description = "Create a FIFO queue (and a FIFO DLQ). The name must then end with .fifo."
}

variable "content_based_deduplication" {
  type        = bool
  nullable    = false
  default     = false
  description = "Use a SHA-256 of the body as the deduplication ID. FIFO queues only."
}

variable "deduplication_scope" {
  type        = string
  default     = null
  description = "FIFO only: \"messageGroup\" or \"queue\" (null leaves the SQS default, queue)."

  validation {
    condition     = var.deduplication_scope == null ? true : contains(["messageGroup", "queue"], var.deduplication_scope)
    error_message = "deduplication_scope must be null, \"messageGroup\" or \"queue\" (SQS DeduplicationScope values)."
  }
}

variable "fifo_throughput_limit" {
  type        = string
  default     = null
  description = "FIFO only: \"perQueue\" or \"perMessageGroupId\" (null leaves the SQS default, perQueue)."

  validation {
    condition     = var.fifo_throughput_limit == null ? true : contains(["perQueue", "perMessageGroupId"], var.fifo_throughput_limit)
    error_message = "fifo_throughput_limit must be null, \"perQueue\" or \"perMessageGroupId\" (SQS FifoThroughputLimit values)."
  }
}

variable "visibility_timeout_seconds" {
  type        = number
  nullable    = false
  default     = 30
  description = "How long a received, undeleted message stays hidden (0-43200 s). With a Lambda trigger, use at least 6 x the function timeout + the batching window."

  validation {
    condition     = var.visibility_timeout_seconds == floor(var.visibility_timeout_seconds) && var.visibility_timeout_seconds >= 0 && var.visibility_timeout_seconds <= 43200
    error_message = "visibility_timeout_seconds must be an integer between 0 and 43200 (SQS VisibilityTimeout range is 0 s to 12 hours)."
  }
}

variable "receive_wait_time_seconds" {
  type        = number
  nullable    = false
  default     = 20
  description = "Long-polling wait of ReceiveMessage calls that do not set WaitTimeSeconds (0-20 s; 0 = short polling)."

  validation {
    condition     = var.receive_wait_time_seconds == floor(var.receive_wait_time_seconds) && var.receive_wait_time_seconds >= 0 && var.receive_wait_time_seconds <= 20
    error_message = "receive_wait_time_seconds must be an integer between 0 and 20 (SQS long polling maximum is 20 s)."
  }
}

variable "message_retention_seconds" {
  type        = number
  nullable    = false
  default     = 345600
  description = "How long SQS keeps a message (60-1209600 s; default 4 days)."

  validation {
    condition     = var.message_retention_seconds == floor(var.message_retention_seconds) && var.message_retention_seconds >= 60 && var.message_retention_seconds <= 1209600
    error_message = "message_retention_seconds must be an integer between 60 and 1209600 (SQS MessageRetentionPeriod is 1 minute to 14 days)."
  }
}

variable "delay_seconds" {
  type        = number
  nullable    = false
  default     = 0
  description = "Delivery delay of every new message (0-900 s)."

  validation {
    condition     = var.delay_seconds == floor(var.delay_seconds) && var.delay_seconds >= 0 && var.delay_seconds <= 900
    error_message = "delay_seconds must be an integer between 0 and 900 (SQS DelaySeconds maximum is 15 minutes)."
  }
}

variable "max_message_size" {
  type        = number
  nullable    = false
  default     = 262144
  description = "Largest message SQS accepts, in bytes (1024-1048576; the AWS provider's own bound is the same)."

  validation {
    condition     = var.max_message_size == floor(var.max_message_size) && var.max_message_size >= 1024 && var.max_message_size <= 1048576
    error_message = "max_message_size must be an integer between 1024 and 1048576 bytes (SQS MaximumMessageSize is 1 KiB to 1 MiB)."
  }
}

variable "kms_master_key_id" {
  type        = string
  default     = null
  description = "KMS key (ID, ARN or alias) for SSE-KMS. null = SQS-managed encryption (SSE-SQS) on both queues."

  validation {
    condition     = var.kms_master_key_id == null ? true : length(trimspace(var.kms_master_key_id)) > 0
    error_message = "kms_master_key_id must be null (SSE-SQS) or a non-empty KMS key ID, key ARN or alias (SQS KmsMasterKeyId)."
  }
}

variable "kms_data_key_reuse_period_seconds" {
  type        = number
  nullable    = false
  default     = 300
  description = "SSE-KMS only: how long SQS reuses a data key (60-86400 s)."

  validation {
    condition     = var.kms_data_key_reuse_period_seconds == floor(var.kms_data_key_reuse_period_seconds) && var.kms_data_key_reuse_period_seconds >= 60 && var.kms_data_key_reuse_period_seconds <= 86400
    error_message = "kms_data_key_reuse_period_seconds must be an integer between 60 and 86400 (SQS KmsDataKeyReusePeriodSeconds is 1 minute to 24 hours)."
  }
}

variable "create_dlq" {
  type        = bool
  nullable    = false
  default     = true
  description = "Create a dead-letter queue <base>-dlq (or <base>-dlq.fifo) and a redrive policy on this queue."
}

variable "dlq_message_retention_seconds" {
  type        = number
  nullable    = false
  default     = 1209600
  description = "Message retention of the DLQ (60-1209600 s; default 14 days). Keep it longer than the source's: a message's age counts from its first enqueue."

  validation {
    condition     = var.dlq_message_retention_seconds == floor(var.dlq_message_retention_seconds) && var.dlq_message_retention_seconds >= 60 && var.dlq_message_retention_seconds <= 1209600
    error_message = "dlq_message_retention_seconds must be an integer between 60 and 1209600 (SQS MessageRetentionPeriod is 1 minute to 14 days)."
  }
}

variable "max_receive_count" {
  type        = number
  nullable    = false
  default     = 5
  description = "Receives without delete before SQS moves a message to the DLQ (1-1000). Use at least 5 behind a Lambda trigger."

  validation {
    condition     = var.max_receive_count == floor(var.max_receive_count) && var.max_receive_count >= 1 && var.max_receive_count <= 1000
    error_message = "max_receive_count must be an integer between 1 and 1000 (SQS RedrivePolicy maxReceiveCount range)."
  }
}

variable "deny_insecure_transport" {
  type        = bool
  nullable    = false
  default     = true
  description = "Attach a queue policy to both queues that denies every request made without TLS (aws:SecureTransport = false)."
}

variable "tags" {
  type        = map(string)
  nullable    = false
  default     = {}
  description = "Tags for both queues (at most 50; keys 1-128 characters, values at most 256; no aws: prefix)."

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
