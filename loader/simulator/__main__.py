"""`python -m loader.simulator`: see `loader.simulator.cli`."""

from loader.simulator.cli import main

raise SystemExit(main())
