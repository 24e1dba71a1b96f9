"""`app llm prompts`: the versioned prompt files and what their calls cost so far."""

from __future__ import annotations

import typer

from app.db.session import session_scope
from app.llm import repository
from app.llm.prompts import all_prompts

llm_app = typer.Typer(help="The LLM adapter: prompts and their calls.", no_args_is_help=True)


@llm_app.command("prompts")
def prompts() -> None:
    """Every prompt (name, version, sha256 of its file) with its recorded calls, mean latency
    and total cost estimate."""
    with session_scope() as session:
        usage = repository.usage_by_prompt(session)
    typer.echo(
        f"{'prompt':20} {'version':8} {'sha256':12} {'calls':>6} {'ms':>8} {'usd':>9}  about"
    )
    for prompt in all_prompts():
        calls, latency, cost = usage.get((prompt.name, prompt.version), (0, 0.0, 0.0))
        typer.echo(
            f"{prompt.name:20} {prompt.version:8} {prompt.sha256[:12]:12} {calls:>6} "
            f"{latency:>8.0f} {cost:>9.4f}  {prompt.description}"
        )
