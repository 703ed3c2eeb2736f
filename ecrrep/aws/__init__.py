"""Talking to AWS: clients and call counts, the AWS error idiom, reachability, the IAM actions
each part of ecrrep calls, and keeping credentials out of every output."""
