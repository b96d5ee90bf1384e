"""Placeholder, replaced by the real command module."""

import click


@click.command()
def bench() -> None:
    """Not implemented yet."""
    raise click.ClickException("not implemented yet")
