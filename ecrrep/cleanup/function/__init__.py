"""The cleanup function's code as it runs in AWS Lambda (standard library and boto3 only)."""
