variable "studio_role_arns" {
  description = "IAM roles (Studio execution or persona roles) that may launch SageMaker project templates."
  type        = set(string)
  default = [
    "arn:aws:iam::123456789012:role/team-a-sagemaker-execution",
    "arn:aws:iam::123456789012:role/team-a-data-scientist",
  ]
}
