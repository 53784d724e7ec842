terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.9, < 7.0"
    }
    archive = {
      source  = "hashicorp/archive"
      version = ">= 1.3"
    }
  }
}

provider "aws" {
  region = var.region
}
