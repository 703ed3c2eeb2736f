"""What several resource kinds share: the ECR repository listing, the document-per-repository
base of the two policy kinds, EventBridge rule handling, IAM propagation waits, and the pure
alarm and dashboard definitions."""
