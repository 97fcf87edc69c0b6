"""`python -m loader.summary`: the entry point of `loader.cli.summary`."""

import sys

from loader.cli.summary import main

if __name__ == "__main__":
    sys.exit(main())
