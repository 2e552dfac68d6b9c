"""Month-end rush load test and fault scripts (not part of the test suite: minutes, not seconds).

Run from the project root, e.g. ``.venv/bin/python -m loadtests.run_rush``; see README.md.
"""
