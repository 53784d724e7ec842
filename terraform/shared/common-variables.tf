# Variables every stack takes (the harness passes name_prefix and tags). Each stack links to
# this file (terraform/stacks/<stack>/common-variables.tf is a relative symlink): edit it here.

variable "name_prefix" {
  type        = string
  nullable    = false
  description = "Prefix of every resource name: 1-32 characters of a-z 0-9 -, starting with a letter or digit."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,31}$", var.name_prefix))
    error_message = "name_prefix must be 1-32 characters of lower-case letters, digits and hyphens, starting with a letter or digit (leaves room for suffixes within the SQS 80 and Lambda 64 character name limits)."
  }
}

variable "tags" {
  type        = map(string)
  nullable    = false
  default     = {}
  description = "Tags for every resource (provider default_tags and module tags)."

  validation {
    condition     = length(var.tags) <= 50 && alltrue([for key, value in var.tags : length(key) >= 1 && length(key) <= 128 && length(value) <= 256 && !startswith(lower(key), "aws:")])
    error_message = "tags must hold at most 50 tags with keys of 1-128 characters (not starting with aws:) and values of at most 256 characters (AWS tag limits)."
  }
}

variable "region" {
  type        = string
  nullable    = false
  default     = "us-east-1"
  description = "AWS region (or the emulator's region)."

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", var.region))
    error_message = "region must look like an AWS region name, e.g. us-east-1."
  }
}
