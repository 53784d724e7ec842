variable "name" {
  type        = string
  nullable    = false
  description = "Full queue name: 1-80 characters of A-Z a-z 0-9 _ -; a FIFO queue's name ends with .fifo, which counts towards the 80."

  validation {
    condition     = length(var.name) >= 1 && length(var.name) <= 80
    error_message = "name must be 1-80 characters long, including any .fifo suffix (SQS QueueName: up to 80 characters); \"${var.name}\" is ${length(var.name)}."
  }

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]+(\\.fifo)?$", var.name))
    error_message = "name may contain only letters, digits, hyphens and underscores, plus a final .fifo for a FIFO queue (SQS QueueName rule); got \"${var.name}\"."
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
    error_message = "deduplication_scope must be null, \"messageGroup\" or \"queue\" (SQS DeduplicationScope values); got \"${coalesce(var.deduplication_scope, "null")}\"."
  }
}

variable "fifo_throughput_limit" {
  type        = string
  default     = null
  description = "FIFO only: \"perQueue\" or \"perMessageGroupId\" (null leaves the SQS default, perQueue). perMessageGroupId needs deduplication_scope = \"messageGroup\"."

  validation {
    condition     = var.fifo_throughput_limit == null ? true : contains(["perQueue", "perMessageGroupId"], var.fifo_throughput_limit)
    error_message = "fifo_throughput_limit must be null, \"perQueue\" or \"perMessageGroupId\" (SQS FifoThroughputLimit values); got \"${coalesce(var.fifo_throughput_limit, "null")}\"."
  }
}

variable "visibility_timeout_seconds" {
  type        = number
  nullable    = false
  default     = 30
  description = "How long a received, undeleted message stays hidden (0-43200 s). With a Lambda trigger, use at least 6 x the function timeout + the batching window."

  validation {
    condition     = var.visibility_timeout_seconds == floor(var.visibility_timeout_seconds) && var.visibility_timeout_seconds >= 0 && var.visibility_timeout_seconds <= 43200
    error_message = "visibility_timeout_seconds must be an integer between 0 and 43200 (SQS VisibilityTimeout range is 0 s to 12 hours); got ${var.visibility_timeout_seconds}."
  }
}

variable "receive_wait_time_seconds" {
  type        = number
  nullable    = false
  default     = 20
  description = "Long-polling wait of ReceiveMessage calls that do not set WaitTimeSeconds (0-20 s; 0 = short polling)."

  validation {
    condition     = var.receive_wait_time_seconds == floor(var.receive_wait_time_seconds) && var.receive_wait_time_seconds >= 0 && var.receive_wait_time_seconds <= 20
    error_message = "receive_wait_time_seconds must be an integer between 0 and 20 (SQS ReceiveMessageWaitTimeSeconds: long polling waits at most 20 s); got ${var.receive_wait_time_seconds}."
  }
}

variable "message_retention_seconds" {
  type        = number
  nullable    = false
  default     = 345600
  description = "How long SQS keeps a message (60-1209600 s; default 4 days)."

  validation {
    condition     = var.message_retention_seconds == floor(var.message_retention_seconds) && var.message_retention_seconds >= 60 && var.message_retention_seconds <= 1209600
    error_message = "message_retention_seconds must be an integer between 60 and 1209600 (SQS MessageRetentionPeriod is 1 minute to 14 days); got ${var.message_retention_seconds}."
  }
}

variable "delay_seconds" {
  type        = number
  nullable    = false
  default     = 0
  description = "Delivery delay of every new message (0-900 s)."

  validation {
    condition     = var.delay_seconds == floor(var.delay_seconds) && var.delay_seconds >= 0 && var.delay_seconds <= 900
    error_message = "delay_seconds must be an integer between 0 and 900 (SQS DelaySeconds maximum is 15 minutes); got ${var.delay_seconds}."
  }
}

variable "max_message_size" {
  type        = number
  nullable    = false
  default     = 262144
  description = "Largest message SQS accepts, in bytes (1024-1048576; the AWS provider's own bound is the same)."

  validation {
    condition     = var.max_message_size == floor(var.max_message_size) && var.max_message_size >= 1024 && var.max_message_size <= 1048576
    error_message = "max_message_size must be an integer between 1024 and 1048576 bytes (SQS MaximumMessageSize is 1 KiB to 1 MiB); got ${var.max_message_size}."
  }
}

variable "kms_master_key_id" {
  type        = string
  default     = null
  description = "KMS key for SSE-KMS on both queues: a key ID, key ARN, alias name (alias/...) or alias ARN, e.g. alias/aws/sqs for the AWS managed key. null = SQS-managed encryption (SSE-SQS)."

  validation {
    condition = var.kms_master_key_id == null ? true : can(regex(
      "^((arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/)?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|mrk-[0-9a-fA-F]{32})|(arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:)?alias/[A-Za-z0-9/_-]{1,250})$",
      var.kms_master_key_id
    ))
    error_message = "kms_master_key_id is \"${coalesce(var.kms_master_key_id, "null")}\"; it must be null (SSE-SQS) or a KMS key ID, key ARN, alias name (alias/ followed by 1-250 of A-Z a-z 0-9 / _ -) or alias ARN (SQS KmsMasterKeyId takes the forms of the KMS KeyId parameter)."
  }
}

variable "kms_data_key_reuse_period_seconds" {
  type        = number
  nullable    = false
  default     = 300
  description = "SSE-KMS only: how long SQS reuses a data key (60-86400 s)."

  validation {
    condition     = var.kms_data_key_reuse_period_seconds == floor(var.kms_data_key_reuse_period_seconds) && var.kms_data_key_reuse_period_seconds >= 60 && var.kms_data_key_reuse_period_seconds <= 86400
    error_message = "kms_data_key_reuse_period_seconds must be an integer between 60 and 86400 (SQS KmsDataKeyReusePeriodSeconds is 1 minute to 24 hours); got ${var.kms_data_key_reuse_period_seconds}."
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
  description = "Message retention of the DLQ (60-1209600 s; default 14 days); for a standard queue at least message_retention_seconds, since its message's age counts from its first enqueue (a FIFO message's resets on the move)."

  validation {
    condition     = var.dlq_message_retention_seconds == floor(var.dlq_message_retention_seconds) && var.dlq_message_retention_seconds >= 60 && var.dlq_message_retention_seconds <= 1209600
    error_message = "dlq_message_retention_seconds must be an integer between 60 and 1209600 (SQS MessageRetentionPeriod is 1 minute to 14 days); got ${var.dlq_message_retention_seconds}."
  }
}

variable "max_receive_count" {
  type        = number
  nullable    = false
  default     = 5
  description = "Receives without delete before SQS moves a message to the DLQ (1-1000). Use at least 5 behind a Lambda trigger."

  validation {
    condition     = var.max_receive_count == floor(var.max_receive_count) && var.max_receive_count >= 1 && var.max_receive_count <= 1000
    error_message = "max_receive_count must be an integer between 1 and 1000 (SQS RedrivePolicy maxReceiveCount range); got ${var.max_receive_count}."
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
  description = "Tags for both queues: at most 50; keys 1-128 and values at most 256 Unicode letters, digits, spaces and _ . : / = + - @; neither may start with aws:."

  validation {
    condition     = length(var.tags) <= 50
    error_message = "tags may hold at most 50 tags (SQS: at most 50 tags per queue); got ${length(var.tags)}."
  }

  validation {
    condition     = alltrue([for key, value in var.tags : length(key) >= 1 && length(key) <= 128 && length(value) <= 256])
    error_message = "Each tag key must be 1-128 characters and each tag value at most 256 characters (SQS tag limits); too long: ${join(", ", [for key, value in var.tags : key if length(key) < 1 || length(key) > 128 || length(value) > 256])}."
  }

  validation {
    condition     = alltrue([for key, value in var.tags : can(regex("^[\\p{L}\\p{Z}\\p{N}_.:/=+@-]*$", "${key}${value}"))])
    error_message = "Tag keys and values may contain only Unicode letters, digits, spaces and _ . : / = + - @ (SQS tag rule); offending keys: ${join(", ", [for key, value in var.tags : jsonencode(key) if !can(regex("^[\\p{L}\\p{Z}\\p{N}_.:/=+@-]*$", "${key}${value}"))])}."
  }

  validation {
    condition     = alltrue([for key, value in var.tags : !startswith(lower(key), "aws:") && !startswith(lower(value), "aws:")])
    error_message = "Tag keys and values must not start with aws: (SQS reserves that prefix); offending keys: ${join(", ", [for key, value in var.tags : key if startswith(lower(key), "aws:") || startswith(lower(value), "aws:")])}."
  }
}
