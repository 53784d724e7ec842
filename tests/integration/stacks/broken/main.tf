# A stack whose apply fails after creating a queue: the harness must destroy the partial apply.
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

resource "aws_sqs_queue" "created_first" {
  name = "${var.name_prefix}-partial"
}

resource "terraform_data" "fails_after_the_queue" {
  depends_on = [aws_sqs_queue.created_first]
  provisioner "local-exec" {
    command = "echo 'failing on purpose after the queue exists' >&2; exit 1"
  }
}
