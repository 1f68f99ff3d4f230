"""Risk policy, approver authorization and approval records (the approvals issue fills this in)."""
