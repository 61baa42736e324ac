"""The ``heihachi-index`` command line: one module per command, each with ``register(subparsers, parent)``."""


class CliError(Exception):
    """A user-facing error: printed without a traceback, exit status 2."""
