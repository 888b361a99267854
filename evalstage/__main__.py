"""``python -m evalstage`` is the ``evalstage`` command."""

from evalstage.cli import main

if __name__ == "__main__":
    main()
