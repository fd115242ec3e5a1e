"""The opinion pages' limits per address: a person gives a few opinions an hour; a receipt is looked at now and then."""

from vanguard.accounts.ratelimit import Rate, hit, parse_rate, rate_for, register_scope, retry_after

__all__ = ["Rate", "hit", "parse_rate", "rate_for", "retry_after"]

register_scope("submit", setting="VANGUARD_OPINION_RATE", default="10/h")
register_scope("receipt", setting="VANGUARD_RECEIPT_RATE", default="30/h")
