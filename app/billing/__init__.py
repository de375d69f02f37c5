"""Billing: per-page amounts, the cap, payables and late-payment charges."""
