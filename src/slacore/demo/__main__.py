"""``python -m slacore.demo``: the same as ``slacore demo``."""

import sys

from slacore.cli.app import app

app(["demo", *sys.argv[1:]], prog_name="slacore")
