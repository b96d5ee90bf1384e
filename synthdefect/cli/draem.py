"""Placeholder, replaced by the real command module."""

import click


@click.command()
def train() -> None:
    """Not implemented yet."""
    raise click.ClickException("not implemented yet")


@click.command()
def evaluate() -> None:
    """Not implemented yet."""
    raise click.ClickException("not implemented yet")


@click.command()
def predict() -> None:
    """Not implemented yet."""
    raise click.ClickException("not implemented yet")
