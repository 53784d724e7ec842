# A stack whose destroy always fails, leaving its queue: the harness must retry the destroy,
# record the stack in the leftovers ledger, and the sweeper must then remove the queue.
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = ">= 5.0, < 7.0" }
  }
}

variable "name_prefix" {
  type        = string
  description = "Prefix for every resource name."
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource."
  default     = {}
}

provider "aws" {
  default_tags {
    tags = var.tags
  }
}

resource "aws_sqs_queue" "left_behind" {
  name = "${var.name_prefix}-stuck"
}

# Destroyed first (it depends on the queue), and its destroy fails: the queue is never reached.
resource "terraform_data" "refuses_to_go" {
  depends_on = [aws_sqs_queue.left_behind]
  provisioner "local-exec" {
    when    = destroy
    command = "echo 'refusing to be destroyed, on purpose' >&2; exit 1"
  }
}
