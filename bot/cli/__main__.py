"""`python -m bot.cli`: the `ibanbot` command."""
import sys

from bot.cli import main

sys.exit(main())
