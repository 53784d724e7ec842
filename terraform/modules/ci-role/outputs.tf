output "role_arn" {
  description = "ARN of the role: the repository variable AWS_TEST_ROLE_ARN of the nightly workflow."
  value       = aws_iam_role.this.arn
}

output "role_name" {
  description = "Name of the role."
  value       = aws_iam_role.this.name
}

output "policy_json" {
  description = "The role's permissions as an IAM policy document (JSON), one named statement (Sid) per job; known at plan."
  value       = local.policy_json
}

output "statement_ids" {
  description = "The Sid of every statement of policy_json, in order."
  value       = [for s in local.statements : s.Sid]
}

output "trust_policy_json" {
  description = "The role's trust policy (JSON): GitHub's OIDC provider, this audience and this one subject."
  value       = local.trust_policy_json
}

output "subject" {
  description = "The token subject (sub) the role trusts, e.g. repo:OWNER/REPO:ref:refs/heads/main."
  value       = local.subject
}

output "oidc_provider_arn" {
  description = "ARN of the GitHub OIDC provider the role trusts (created here or given)."
  value       = local.oidc_provider_arn
}
