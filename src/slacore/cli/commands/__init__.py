"""One module per command group; ``slacore.cli.app`` registers them."""
