"""Acceptance: lots, the sample, review decisions, deadlines."""
