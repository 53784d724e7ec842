variable "fifo" {
  type        = bool
  nullable    = false
  default     = false
  description = "Create a FIFO queue (name <name_prefix>-q.fifo) and a FIFO DLQ."
}

variable "visibility_timeout_seconds" {
  type        = number
  nullable    = false
  default     = 30
  description = "Visibility timeout of the queue (0-43200 s)."

  validation {
    condition     = var.visibility_timeout_seconds >= 0 && var.visibility_timeout_seconds <= 43200
    error_message = "visibility_timeout_seconds must be between 0 and 43200 (SQS VisibilityTimeout range)."
  }
}

variable "receive_wait_time_seconds" {
  type        = number
  nullable    = false
  default     = 20
  description = "Long-polling wait of the queue (0-20 s)."

  validation {
    condition     = var.receive_wait_time_seconds >= 0 && var.receive_wait_time_seconds <= 20
    error_message = "receive_wait_time_seconds must be between 0 and 20 (SQS long polling maximum is 20 s)."
  }
}

variable "delay_seconds" {
  type        = number
  nullable    = false
  default     = 0
  description = "Delivery delay of new messages (0-900 s)."

  validation {
    condition     = var.delay_seconds >= 0 && var.delay_seconds <= 900
    error_message = "delay_seconds must be between 0 and 900 (SQS DelaySeconds maximum is 15 minutes)."
  }
}

variable "max_receive_count" {
  type        = number
  nullable    = false
  default     = 5
  description = "Receives before a message moves to the DLQ (1-1000)."

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000
    error_message = "max_receive_count must be between 1 and 1000 (SQS RedrivePolicy maxReceiveCount range)."
  }
}

variable "create_dlq" {
  type        = bool
  nullable    = false
  default     = true
  description = "Create the dead-letter queue <name_prefix>-q-dlq(.fifo)."
}

variable "content_based_deduplication" {
  type        = bool
  nullable    = false
  default     = false
  description = "Content-based deduplication (FIFO only)."
}
