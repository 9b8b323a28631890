"""``python -m mia_platform`` runs the ``mia`` command."""

from mia_platform.cli import main

main()
