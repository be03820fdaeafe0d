"""``python -m civictext`` runs the command-line interface."""
from civictext.cli import main

raise SystemExit(main())
