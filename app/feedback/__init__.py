"""Feedback on matches (apply, dismiss, contact, reject): the learning loop's labels."""
