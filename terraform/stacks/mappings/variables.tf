variable "mappings" {
  type = map(object({
    fifo                               = optional(bool, false)
    batch_size                         = optional(number, 10)
    maximum_batching_window_in_seconds = optional(number, 0)
    maximum_concurrency                = optional(number)
    filter_patterns                    = optional(list(string), [])
    enabled                            = optional(bool, true)
    function                           = optional(string, "consumer")
    visibility_timeout_seconds         = optional(number)
    create_dlq                         = optional(bool, false)
    max_receive_count                  = optional(number, 5)
  }))
  nullable    = false
  description = "One queue and mapping per key: queue <name_prefix>-<key>(.fifo), mapped to the consumer function of functions named by function. The modules validate each value (the trigger's rules, e.g. FIFO batch size at most 10 and no window, at plan). visibility_timeout_seconds null = 6 x the function's timeout + window (the AWS minimum for an SQS trigger); create_dlq adds <name_prefix>-<key>-dlq(.fifo) with max_receive_count."

  validation {
    condition     = length(var.mappings) >= 1 && length(var.mappings) <= 12
    error_message = "mappings must hold 1 to 12 mappings (one application; the provider works on 10 resources at a time and waits on each queue it creates)."
  }

  validation {
    condition     = alltrue([for key in keys(var.mappings) : can(regex("^[a-z0-9][a-z0-9-]{0,19}$", key))])
    error_message = "Each key of mappings must be 1-20 characters of lower-case letters, digits and hyphens, starting with a letter or digit (with a 32-character name_prefix the queue names stay within SQS's 80)."
  }

  validation {
    condition     = alltrue([for m in var.mappings : contains(keys(var.functions), m.function)])
    error_message = "Each mapping's function must be a key of functions (${join(", ", keys(var.functions))})."
  }
}

variable "functions" {
  type = map(object({
    timeout                        = optional(number, 3)
    reserved_concurrent_executions = optional(number, -1)
  }))
  nullable    = false
  default     = { consumer = {} }
  description = "Consumer functions <name_prefix>-<key>, each functions/consumer with its timeout and reserved concurrency (-1: unreserved). Few: the provider creates functions one at a time (it holds a lock while it reads each package and waits for the function to be Active, about 5 s each on MiniStack)."

  validation {
    condition     = length(var.functions) >= 1 && length(var.functions) <= 4
    error_message = "functions must hold 1 to 4 functions (the provider creates them one after another)."
  }

  validation {
    condition     = alltrue([for key in keys(var.functions) : can(regex("^[a-z0-9][a-z0-9-]{0,19}$", key))])
    error_message = "Each key of functions must be 1-20 characters of lower-case letters, digits and hyphens, starting with a letter or digit (the function name stays within Lambda's 64 characters)."
  }
}
