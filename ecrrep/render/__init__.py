"""What a person or a CI system reads: plans (folded, as tables or stacked), the replication
matrix and its lag bars, cleanup reports, Markdown and JUnit XML."""
