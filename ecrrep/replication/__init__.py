"""`validate-replication`: whether every destination holds every image with the source's
settings, and how long replication took."""
