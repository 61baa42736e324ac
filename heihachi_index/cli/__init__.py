"""The ``heihachi-index`` command line: one module per command, each with ``register(subparsers, parent)``."""
