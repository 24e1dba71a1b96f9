"""The current decision of each side of a (talent, job) pair, read from the feedback history.

One source of truth: `match_feedback` is append-only and a side's current decision is its latest
row there (none when that row is an `undo`). Feedback writes it, matching marks and filters
results with it, training grades labels by the same rule; this package sits below those domains
so that they share one reading of it without importing each other.
"""
