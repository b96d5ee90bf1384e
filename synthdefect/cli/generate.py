"""Placeholder, replaced by the real command module."""

import click


@click.command()
def generate() -> None:
    """Not implemented yet."""
    raise click.ClickException("not implemented yet")


@click.command()
def preview() -> None:
    """Not implemented yet."""
    raise click.ClickException("not implemented yet")
