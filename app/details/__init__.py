"""Detail views one click from a match card: a job (description, skills, salary, location,
remote policy, company) and a candidate (the parts of a talent's profile the caller may see)."""
