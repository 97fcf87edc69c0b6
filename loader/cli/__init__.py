"""The command line: `python -m loader api | files | demo | status`, and the summary."""
