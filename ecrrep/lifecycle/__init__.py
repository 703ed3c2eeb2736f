"""ECR's lifecycle rule semantics, evaluated locally, and the plan's preview of what a new
lifecycle policy would expire."""
