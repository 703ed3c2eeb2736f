"""The embedded AWS emulator behind `ecrrep demo`, `ecrrep sandbox` and the tests.

moto, extended where ecrrep depends on AWS behaviour that moto lacks or is kinder about: one
module per behaviour, each naming the AWS documentation page it follows, installed on moto's
backend and response classes by `behaviours.install` (never a fork). `settings` holds the
knobs (aws-like on or off, delays, failure rate) and the sandbox's clock.

Nothing here is imported by `ecrrep --help`: moto is heavy.
"""
