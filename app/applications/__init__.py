"""Applications: a talent's standing `apply` on a job, the company's stage for it (new ->
contacted -> interviewing -> hired | rejected), the company's inbox with each applicant's
score, and the talent's own list. Stages that are decisions (contacted, rejected) are recorded
through the feedback path, so the learning loop reads one truth (app.decisions)."""
