"""What the tests and the benchmarks share, and nothing else imports: doubles of the services opsgate talks to
(`testkit.fakes`: the Messages API, a Restate context, the bot's client of the worker, a clock), the test team's
worker with its fault tools (`testkit.worker_app`), the guardrail datasets and their evaluation, and the token
benchmark's scenario. It imports opsgate's packages, never `tests` or `bench`, and neither of those imports the
other (tests/test_architecture.py)."""
