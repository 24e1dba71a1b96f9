"""`app token`: a short-lived HS256 token for the demo (refused in production)."""

from __future__ import annotations

import uuid
from typing import Annotated

import typer

from app.auth.dev_tokens import mint_dev_token
from app.auth.errors import DevTokenDisabledError
from app.core.enums import Role
from app.settings import get_settings


def token(
    role: Annotated[str, typer.Option(help="talent, company or admin")],
    sub: Annotated[str, typer.Option(help="User id: the talent's or company's owner_user_id")],
) -> None:
    """Print a development bearer token whose app_metadata.role is ROLE and sub is SUB."""
    try:
        checked = Role(role)
    except ValueError as exc:
        raise typer.BadParameter(
            f"role must be one of {', '.join(Role)}", param_hint="--role"
        ) from exc
    try:
        user = uuid.UUID(sub)
    except ValueError as exc:
        raise typer.BadParameter("sub must be a UUID", param_hint="--sub") from exc
    try:
        typer.echo(mint_dev_token(get_settings(), user, checked))
    except DevTokenDisabledError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=1) from exc
