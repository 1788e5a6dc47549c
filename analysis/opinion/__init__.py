"""The opinion pipeline: per-document analysis, reprint grouping (首发), events, heat and bursts, response class
and deadline, digest and alert rules (pure: records in, signals out)."""
