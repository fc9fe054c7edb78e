# The name of the response (one per account and region).
terraform import sagemaker_security_response.this secure-mlops-response
