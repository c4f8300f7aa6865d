"""The corpus of hostile submissions that tests/grader/test_hostile_*.py grade in one ./grade run.

Sources only (corpus.py lists them); the run is tests/grader/conftest.py's ``graded`` fixture. Never imports a submission.
"""
