output "function_name" {
  description = "Name of the function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "ARN of the function."
  value       = aws_lambda_function.this.arn
}

output "role_name" {
  description = "Name of the execution role (attach more policies to it; sqs-lambda-trigger adds the poller's)."
  value       = aws_iam_role.this.name
}

output "role_arn" {
  description = "ARN of the execution role."
  value       = aws_iam_role.this.arn
}

output "log_group_name" {
  description = "Name of the function's log group, /aws/lambda/<function_name>."
  value       = aws_cloudwatch_log_group.this.name
}

output "timeout" {
  description = "Function timeout in seconds, for the trigger's visibility-timeout rules (pass the whole module to sqs-lambda-trigger's function input)."
  value       = aws_lambda_function.this.timeout
}

output "reserved_concurrent_executions" {
  description = "Reserved concurrency of the function (-1: unreserved; 0: every invocation throttled)."
  value       = aws_lambda_function.this.reserved_concurrent_executions
}
