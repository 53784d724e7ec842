variable "receive_wait_time_seconds" {
  type        = number
  nullable    = false
  default     = 20
  description = "Long-polling wait of the queue (0-20 s): an empty receive without wait_seconds takes this long."

  validation {
    condition     = var.receive_wait_time_seconds >= 0 && var.receive_wait_time_seconds <= 20
    error_message = "receive_wait_time_seconds must be between 0 and 20 (SQS long polling maximum is 20 s)."
  }
}

variable "visibility_timeout_seconds" {
  type        = number
  nullable    = false
  default     = 30
  description = "Visibility timeout of the queue (0-43200 s): how long a received, undeleted message stays hidden."

  validation {
    condition     = var.visibility_timeout_seconds >= 0 && var.visibility_timeout_seconds <= 43200
    error_message = "visibility_timeout_seconds must be between 0 and 43200 (SQS VisibilityTimeout range)."
  }
}
