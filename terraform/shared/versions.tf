# Versions and provider of every stack. Each stack links to this file
# (terraform/stacks/<stack>/versions.tf is a relative symlink): edit it here.

terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.9, < 7.0"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = var.tags
  }
}
