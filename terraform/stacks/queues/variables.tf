variable "queues" {
  type = map(object({
    fifo                        = optional(bool, false)
    visibility_timeout_seconds  = optional(number, 30)
    receive_wait_time_seconds   = optional(number, 20)
    delay_seconds               = optional(number, 0)
    max_receive_count           = optional(number, 5)
    create_dlq                  = optional(bool, false)
    content_based_deduplication = optional(bool, false)
    deduplication_scope         = optional(string)
    fifo_throughput_limit       = optional(string)
    max_message_size            = optional(number, 262144)
    restrict_dlq_sources        = optional(bool, true)
  }))
  nullable    = false
  description = "One queue per key, named <name_prefix>-<key>(.fifo); the sqs-queue module validates each value against the SQS limits. With create_dlq, restrict_dlq_sources = false leaves the DLQ without a redrive-allow policy (for emulators that never return one)."

  validation {
    condition     = length(var.queues) >= 1 && length(var.queues) <= 20
    error_message = "queues must hold 1 to 20 queues (one application; more belong in another stack)."
  }

  validation {
    condition     = alltrue([for key in keys(var.queues) : can(regex("^[a-z0-9][a-z0-9-]{0,19}$", key))])
    error_message = "Each key of queues must be 1-20 characters of lower-case letters, digits and hyphens, starting with a letter or digit (with a 32-character name_prefix and the -dlq.fifo suffix the name stays within the SQS limit of 80)."
  }
}
