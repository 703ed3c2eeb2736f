"""Plan and apply: read the account, diff it against the spec, decide ownership, run the
changes in dependency order, and check a saved plan against a fresh one."""
