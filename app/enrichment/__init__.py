"""Job/talent enrichment: canonical skills, sections, clusters and their evaluation."""
