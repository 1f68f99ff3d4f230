"""Tests of the approvals domain: policy, records and the audit log."""
