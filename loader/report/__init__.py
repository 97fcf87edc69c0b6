"""The cost report: one self-contained HTML file built from the published marts."""
