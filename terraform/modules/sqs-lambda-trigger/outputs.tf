output "mapping_uuid" {
  description = "UUID of the event source mapping."
  value       = aws_lambda_event_source_mapping.this.uuid
}

# arn:<partition>:lambda:<region>:<account>:event-source-mapping:<uuid>, derived from the function
# ARN so that the module also works with aws provider 5.x versions whose mapping has no arn.
output "mapping_arn" {
  description = "ARN of the event source mapping (arn:<partition>:lambda:<region>:<account>:event-source-mapping:<uuid>), derived from the function ARN and the UUID."
  value = format(
    "%s:event-source-mapping:%s",
    join(":", slice(split(":", aws_lambda_event_source_mapping.this.function_arn), 0, 5)),
    aws_lambda_event_source_mapping.this.uuid,
  )
}

output "function_response_types" {
  description = "Response types of the mapping: [\"ReportBatchItemFailures\"] when report_batch_item_failures is true, else []."
  value       = local.function_response_types
}
