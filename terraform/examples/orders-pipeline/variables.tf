variable "region" {
  type        = string
  default     = "us-east-1"
  description = "AWS region to deploy to."

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", var.region))
    error_message = "region must look like an AWS region name, e.g. us-east-1."
  }
}

variable "name_prefix" {
  type        = string
  default     = "orders"
  description = "Prefix of every resource name (1-32 characters of a-z 0-9 -)."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,31}$", var.name_prefix))
    error_message = "name_prefix must be 1-32 characters of lower-case letters, digits and hyphens, starting with a letter or digit."
  }
}

variable "tags" {
  type        = map(string)
  default     = { team = "orders" }
  description = "Tags for every resource."
}
