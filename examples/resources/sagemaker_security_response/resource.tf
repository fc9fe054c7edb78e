# One per account and region. Needs a CloudTrail trail that logs management write events.
resource "sagemaker_security_response" "this" {
  # stop (default): stop the job or notebook instance, delete the app, restore the domain;
  # notify: publish the findings; both: stop and publish.
  mode = "both"

  # The custom resource's function package: `make lambda` writes it.
  package_path = "${path.root}/build/lambda/bootstrap.zip"

  # Notifications and dead letters are encrypted with the environment's data key.
  kms_key_arn = sagemaker_secure_ds_environment.team.kms_key_arns["data"]

  log_retention_days = 365

  tags = {
    owner = "platform-team"
  }
}

# Subscribe the security team to the findings.
resource "aws_sns_topic_subscription" "security_team" {
  topic_arn = sagemaker_security_response.this.topic_arn
  protocol  = "email"
  endpoint  = "security@example.com"
}
