"""`python -m loader`: see `loader.cli`."""

import sys

from loader.cli import main

sys.exit(main())
