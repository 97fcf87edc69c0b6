"""FOCUS, the FinOps Foundation's cost and usage format.

The CircleCI costs exported as FOCUS, and cloud providers' FOCUS exports loaded beside them.
"""
