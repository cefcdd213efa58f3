"""CloudTrail-compatible audit export and its offline validator (pure Python, no Django).

Verity's audit records are shaped exactly like CloudTrail records (DESIGN §9), so an export
laid out, digested and signed the way CloudTrail does it can be read by CloudTrail tooling
and checked offline with `python -m audit.cloudtrail.validate`.
"""
