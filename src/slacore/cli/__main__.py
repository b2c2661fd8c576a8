"""``python -m slacore.cli``."""

from slacore.cli.app import main

main()
