"""Grading untrusted submissions with the conformance kit (one process per submission, results kept by the grader)."""
