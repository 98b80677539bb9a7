"""Idempotency keys: a retried POST that creates something answers what the first one answered."""
