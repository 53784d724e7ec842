variable "role_name" {
  type        = string
  nullable    = false
  default     = "sqs-lambda-harness-ci"
  description = "Name of the role the nightly workflow assumes: 1-64 characters of A-Z a-z 0-9 +=,.@_-, not starting with hx- (the role must not fall under its own hx- grants)."

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.role_name))
    error_message = "role_name must be 1-64 characters of letters, digits and +=,.@_- (IAM role name rule); got \"${var.role_name}\"."
  }

  validation {
    condition     = !startswith(lower(var.role_name), "hx-")
    error_message = "role_name must not start with hx-: the role may create, change and delete every hx- role, so it would be able to rewrite its own permissions."
  }
}

variable "github_repository" {
  type        = string
  nullable    = false
  description = "The one repository whose workflows may assume the role, as OWNER/REPO (GitHub's rules: owner 1-39 letters, digits and -; repository 1-100 letters, digits and . _ -)."

  validation {
    condition     = can(regex("^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$", var.github_repository))
    error_message = "github_repository must be OWNER/REPO (owner: 1-39 letters, digits and hyphens, not starting with a hyphen; repository: 1-100 letters, digits, . _ -); got \"${var.github_repository}\"."
  }
}

variable "github_branch" {
  type        = string
  nullable    = false
  default     = "main"
  description = "The branch whose workflow runs may assume the role (the token's sub is repo:OWNER/REPO:ref:refs/heads/BRANCH; scheduled runs run on the default branch). Ignored when github_environment is set."

  validation {
    condition     = can(regex("^[A-Za-z0-9._/-]{1,255}$", var.github_branch)) && !strcontains(var.github_branch, "*") && !startswith(var.github_branch, "refs/")
    error_message = "github_branch must be a plain branch name (1-255 letters, digits and . _ / -, no wildcard, without refs/heads/); got \"${var.github_branch}\"."
  }
}

variable "github_environment" {
  type        = string
  default     = null
  description = "A GitHub environment instead of a branch: a job that names this environment gets the token sub repo:OWNER/REPO:environment:NAME, and only that sub may assume the role. null = trust the branch."

  validation {
    condition     = var.github_environment == null ? true : can(regex("^[A-Za-z0-9 ._-]{1,255}$", var.github_environment)) && !strcontains(var.github_environment, "*")
    error_message = "github_environment must be null or an environment name of 1-255 letters, digits, spaces and . _ - (no wildcard)."
  }
}

variable "oidc_audience" {
  type        = string
  nullable    = false
  default     = "sts.amazonaws.com"
  description = "The audience (aud) the token must carry; aws-actions/configure-aws-credentials asks for sts.amazonaws.com."

  validation {
    condition     = can(regex("^[A-Za-z0-9:/._-]{1,255}$", var.oidc_audience))
    error_message = "oidc_audience must be 1-255 characters of letters, digits and : / . _ - (an OIDC client id)."
  }
}

variable "create_oidc_provider" {
  type        = bool
  nullable    = false
  default     = false
  description = "Create GitHub's OIDC identity provider (https://token.actions.githubusercontent.com) in the account. An account holds it once: leave false and pass oidc_provider_arn where it exists already."
}

variable "oidc_provider_arn" {
  type        = string
  default     = null
  description = "ARN of the account's existing GitHub OIDC provider, arn:aws:iam::ACCOUNT:oidc-provider/token.actions.githubusercontent.com; null when create_oidc_provider is true."

  validation {
    condition     = var.oidc_provider_arn == null ? true : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/token\\.actions\\.githubusercontent\\.com$", var.oidc_provider_arn))
    error_message = "oidc_provider_arn must be null or the ARN of GitHub's OIDC provider, arn:aws:iam::<12-digit account>:oidc-provider/token.actions.githubusercontent.com."
  }
}

variable "max_session_duration" {
  type        = number
  nullable    = false
  default     = 3600
  description = "Longest session the role grants, in seconds (3600-43200); the workflow's AWS_ROLE_DURATION_SECONDS must not exceed it."

  validation {
    condition     = var.max_session_duration == floor(var.max_session_duration) && var.max_session_duration >= 3600 && var.max_session_duration <= 43200
    error_message = "max_session_duration must be an integer between 3600 and 43200 seconds (IAM MaxSessionDuration: 1 to 12 hours); got ${var.max_session_duration}."
  }
}

variable "permissions_boundary_arn" {
  type        = string
  default     = null
  description = "ARN of a managed policy to set as the role's permissions boundary (a second line of defence), or null."

  validation {
    condition     = var.permissions_boundary_arn == null ? true : can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/[A-Za-z0-9+=,.@_/-]{1,128}$", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn must be null or an IAM managed policy ARN, arn:aws:iam::<account or aws>:policy/<name>."
  }
}

variable "tags" {
  type        = map(string)
  nullable    = false
  default     = {}
  description = "Tags for the role (and the OIDC provider when created): at most 50; keys 1-128 characters, values at most 256; no aws: prefix, and no harness: prefix (harness-tagged resources are the sweeper's to delete)."

  validation {
    condition     = length(var.tags) <= 50
    error_message = "tags may hold at most 50 tags (IAM: at most 50 tags per role)."
  }

  validation {
    condition     = alltrue([for key, value in var.tags : length(key) >= 1 && length(key) <= 128 && length(value) <= 256])
    error_message = "Each tag key must be 1-128 characters and each tag value at most 256 characters (IAM tag limits)."
  }

  validation {
    condition     = alltrue([for key in keys(var.tags) : !startswith(lower(key), "aws:") && !startswith(lower(key), "harness:")])
    error_message = "Tag keys must not start with aws: (reserved by AWS) or harness: (the harness's own tags mark what its sweeper may delete)."
  }
}
