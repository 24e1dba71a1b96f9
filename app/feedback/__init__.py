"""Decisions on matches (apply, dismiss, contact, reject, undo): their history, the current
state per side (app.decisions), and the learning loop's labels."""
