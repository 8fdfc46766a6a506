"""The part of the grader that runs inside the sandbox, next to the student's code.

This package is mounted read-only into each sandbox, alone: nothing else of
the grader (its configuration, the hidden tests, gradebooks) is visible there.
It trusts nothing and decides nothing; see autograder/sandbox.py.
"""
