"""What a person or a CI system reads: rich tables, Markdown, JUnit XML and lag bars."""
