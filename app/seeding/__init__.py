"""Synthetic but realistic talents, jobs, companies and labelled pairs (`app seed`)."""
