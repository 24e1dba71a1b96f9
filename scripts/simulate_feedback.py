"""Simulate the learning loop end to end and show that retraining on feedback helps.

World: `seed_world` (synthetic talents, jobs, a few labelled pairs) in a fresh database; the
initial model is `train_initial` on those few pairs (a cold start).

Users: each round, a share of the (non-held-out) talents asks for matches through the real
matching service (impressions are written to `matches` with their positions) and acts on
what it was shown according to the seed's hidden preference model `u` (0-100, noise-free
`clean_label`) with position bias:

    P(examine | position k) = k ** -EXAMINE_DECAY
    examined: apply with sigmoid((u - 48) / 4), else dismiss with sigmoid((32 - u) / 4)
    applied:  the company contacts with sigmoid((u - 58) / 4), else rejects with
              sigmoid((50 - u) / 4) (later, so the most recent action wins)

Each list of 10 holds the service's top 7 and 3 random open jobs at random positions
(`--explore`): without exploration the log only ever holds jobs the serving model already
ranks high, and a model retrained on it cannot learn what it never saw. Feedback and
impressions are backdated to the simulated day. Every `retrain_every` rounds
the real `TrainingPipeline` runs (forced: the simulated clock is not the wall clock), and a
promoted model serves the following rounds.

Held-out evaluation: a quarter of the talents never take part. For each of them every open
job is ranked by each model, and each pair is graded by what the simulated user would do
with it if examined (no position bias, no noise): contact 4 (u >= 58), apply 3 (u >= 48),
no action 2 (u >= 32), dismiss 1. NDCG@10 uses gains 2^grade - 1, AUC separates
apply-or-better from the rest.

    .venv/bin/python scripts/simulate_feedback.py            # ~1-3 minutes on 2 cores
    .venv/bin/python scripts/simulate_feedback.py --rounds 4 --talents 200 --jobs 80
"""

from __future__ import annotations

import json
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from app.db.migrate import upgrade_head
from app.db.models import Job, Match, MatchFeedback, Talent
from app.db.session import make_engine, session_scope
from app.logging import configure_logging
from app.matching.service import MatchingState, match_talent_to_jobs
from app.ml import fallback, registry
from app.ml.matcher import MatchingModel
from app.seeding.generate import World, generate_world
from app.seeding.pairs import pair_components
from app.seeding.service import seed_world
from app.settings import Settings
from app.training.evaluation import evaluate
from app.training.initial import features_for_pairs, train_initial
from app.training.pipeline import TrainingPipeline

EXAMINE_DECAY = 0.8
SHOWN = 10
TEMPERATURE = 4.0
APPLY_AT, CONTACT_AT, DISMISS_BELOW, REJECT_BELOW = 48.0, 58.0, 32.0, 50.0
HELD_OUT_SHARE = 0.25

console = Console()
cli = typer.Typer(add_completion=False)


def sigmoid(x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    return np.asarray(1.0 / (1.0 + np.exp(-x)))


def grades_if_examined(utility: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """What the simulated user would do with a pair it looked at, noise-free (0-4 grades)."""
    return np.select(
        [utility >= CONTACT_AT, utility >= APPLY_AT, utility >= DISMISS_BELOW], [4, 3, 2], 1
    ).astype(np.int64)


class Simulator:
    def __init__(
        self, engine: Engine, world: World, settings: Settings, seed: int, explore: int
    ) -> None:
        self.engine = engine
        self.explore = explore
        self.world = world
        self.settings = settings
        self.rng = np.random.default_rng([seed, 99])
        self.talent_index = {tid: i for i, tid in enumerate(world.talents.ids)}
        self.job_index = {jid: i for i, jid in enumerate(world.jobs.ids)}
        self.matching = MatchingState()
        self.serving: str | None = None
        with Session(engine) as session:
            self.open_jobs = list(
                session.scalars(select(Job.id).where(Job.status == "open").order_by(Job.id))
            )

    def utility(self, talent_id: uuid.UUID, job_ids: list[uuid.UUID]) -> np.ndarray[Any, Any]:
        t = np.full(len(job_ids), self.talent_index[talent_id], dtype=np.int64)
        j = np.array([self.job_index[x] for x in job_ids], dtype=np.int64)
        return np.asarray(pair_components(self.world, t, j).clean_label())

    def serve_active(self) -> str | None:
        with Session(self.engine) as session:
            row = registry.active_version(session, self.settings.matcher_model_id)
        if row is not None and row.version != self.serving:
            self.matching.swap_model(
                MatchingModel.load(Path(row.artifact_path), expected_sha256=row.artifact_sha256)
            )
            self.serving = row.version
        return self.serving

    def _explore(
        self, session: Session, talent_id: uuid.UUID, request_id: str, shown: list[uuid.UUID]
    ) -> list[uuid.UUID]:
        """Interleave random open jobs into the list (randomised exploration slots), so the
        log holds feedback on jobs the serving model would never rank high; the list is
        re-numbered and rewritten with its final positions."""
        pool = [j for j in self.open_jobs if j not in set(shown)]
        extra = [pool[i] for i in self.rng.choice(len(pool), self.explore, replace=False)]
        final = list(shown)
        for job in extra:
            final.insert(int(self.rng.integers(0, len(final) + 1)), job)
        for job in extra:
            session.add(
                Match(
                    talent_id=talent_id,
                    job_id=job,
                    ml_score=0.0,
                    source="ml" if self.serving else "fallback",
                    ml_version=self.serving,
                    explanation={"exploration": True},
                    request_id=request_id,
                )
            )
        session.flush()
        for position, job in enumerate(final, start=1):
            session.execute(
                update(Match)
                .where(Match.request_id == request_id, Match.job_id == job)
                .values(position=position)
            )
        return final

    def visit(self, talent_id: uuid.UUID, at: datetime) -> dict[str, float]:
        """One talent asks for matches and reacts; returns what it was shown and did."""
        request_id = uuid.uuid4().hex
        with Session(self.engine) as session:
            outcome = match_talent_to_jobs(
                session,
                talent_id,
                SHOWN - self.explore,
                request_id=request_id,
                state=self.matching,
            )
            job_ids = [m.id for m in outcome.matches if m.id is not None]
            if self.explore:
                job_ids = self._explore(session, talent_id, request_id, job_ids)
            session.execute(
                update(Match).where(Match.request_id == request_id).values(created_at=at)
            )
            if not job_ids:
                session.commit()
                return {"shown": 0, "utility": 0.0, "applies": 0}
            u = self.utility(talent_id, job_ids)
            positions = np.arange(1, len(job_ids) + 1)
            examined = self.rng.random(len(job_ids)) < positions**-EXAMINE_DECAY
            draw = self.rng.random((4, len(job_ids)))
            applies = examined & (draw[0] < sigmoid((u - APPLY_AT) / TEMPERATURE))
            dismisses = examined & ~applies & (draw[1] < sigmoid((DISMISS_BELOW - u) / TEMPERATURE))
            contacts = applies & (draw[2] < sigmoid((u - CONTACT_AT) / TEMPERATURE))
            rejects = applies & ~contacts & (draw[3] < sigmoid((REJECT_BELOW - u) / TEMPERATURE))
            # One row per (talent, job, type), as the feedback API keeps it: a repeated
            # action on a job shown again is not recorded twice.
            done = set(
                session.execute(
                    select(MatchFeedback.job_id, MatchFeedback.feedback_type).where(
                        MatchFeedback.talent_id == talent_id, MatchFeedback.job_id.in_(job_ids)
                    )
                ).all()
            )
            for k, job_id in enumerate(job_ids):
                clicked = at + timedelta(seconds=30 * (k + 1))
                answered = at + timedelta(hours=6, seconds=k)
                for kind, flag, when in (
                    ("apply", applies, clicked),
                    ("dismiss", dismisses, clicked),
                    ("contact", contacts, answered),
                    ("reject", rejects, answered),
                ):
                    if flag[k] and (job_id, kind) not in done:
                        session.add(
                            MatchFeedback(
                                talent_id=talent_id,
                                job_id=job_id,
                                feedback_type=kind,
                                actor_role="talent" if kind in ("apply", "dismiss") else "company",
                                created_at=when,
                            )
                        )
            session.commit()
        return {"shown": len(job_ids), "utility": float(u.mean()), "applies": int(applies.sum())}


def held_out_eval(
    engine: Engine, sim: Simulator, talents: list[uuid.UUID], versions: list[str]
) -> dict[str, dict[str, Any]]:
    with Session(engine) as session:
        jobs = list(session.scalars(select(Job.id).where(Job.status == "open").order_by(Job.id)))
        pairs = [(t, j) for t in talents for j in jobs]
        features = features_for_pairs(session, pairs)
        rows = {v: registry.get_version(session, v) for v in versions}
    groups = np.repeat(np.arange(len(talents)), len(jobs)).astype(np.int64)
    utility = np.concatenate([sim.utility(t, jobs) for t in talents])
    grades = grades_if_examined(utility)
    scorers: dict[str, np.ndarray[Any, Any]] = {"fallback (rules)": fallback.scores(features)}
    for version, row in rows.items():
        model = MatchingModel.load(Path(row.artifact_path), expected_sha256=row.artifact_sha256)
        scorers[version] = model.predict(features)
    out: dict[str, dict[str, Any]] = {}
    for name, scores in scorers.items():
        metrics, _ = evaluate(scores, grades, grades * 25.0, groups, positive_min=3)
        out[name] = {
            "ndcg_at_10": metrics.ndcg_at_10,
            "auc": metrics.auc,
            "queries": metrics.queries,
        }
    return out


@cli.command()
def main(
    talents: int = typer.Option(400, min=20, help="Talents in the seeded world."),
    jobs: int = typer.Option(120, min=20, help="Jobs in the seeded world."),
    initial_pairs: int = typer.Option(400, min=80, help="Labelled pairs for the initial model."),
    rounds: int = typer.Option(8, min=2, help="Simulated days of usage."),
    visit_share: float = typer.Option(0.5, min=0.05, max=1.0, help="Users visiting per day."),
    retrain_every: int = typer.Option(4, min=1, help="Run the training pipeline every N days."),
    explore: int = typer.Option(
        3, min=0, max=SHOWN - 1, help="Random jobs interleaved into each list of 10."
    ),
    seed: int = typer.Option(7, help="World and behaviour seed."),
    database_url: str | None = typer.Option(None, help="Default: a fresh SQLite file."),
    out: Path = typer.Option(Path("bench_results/simulate_feedback.json"), help="JSON report."),
) -> None:
    configure_logging("WARNING")
    workdir = Path(tempfile.mkdtemp(prefix="simulate_feedback_"))
    url = database_url or f"sqlite:///{workdir / 'sim.db'}"
    settings = Settings(
        _env_file=None,
        database_url=url,
        model_dir=workdir / "models",
        log_level="WARNING",
    )
    started = time.perf_counter()
    upgrade_head(url)
    engine = make_engine(url)
    console.print(f"database {url}; artifacts in {settings.model_dir}")

    seed_world(engine, talents=talents, jobs=jobs, pairs=initial_pairs, seed=seed, progress=True)
    with session_scope(engine) as session:
        initial = train_initial(
            session, model_dir=settings.model_dir, model_id=settings.matcher_model_id
        )
    assert initial.version is not None
    console.print(f"initial model {initial.version} on {initial_pairs} labelled pairs")
    world = generate_world(talents=talents, jobs=jobs, seed=seed)
    sim = Simulator(engine, world, settings, seed, explore)
    with Session(engine) as session:
        all_talents = list(session.scalars(select(Talent.id).order_by(Talent.id)))
    order = sim.rng.permutation(len(all_talents))
    n_held = max(10, int(len(all_talents) * HELD_OUT_SHARE))
    held_out = [all_talents[i] for i in order[:n_held]]
    users = [all_talents[i] for i in order[n_held:]]

    pipeline = TrainingPipeline(engine, settings=settings)
    day0 = datetime.now(UTC).replace(microsecond=0) - timedelta(days=rounds + 1)
    online: list[dict[str, Any]] = []
    trained: list[dict[str, Any]] = []
    for day in range(rounds):
        version = sim.serve_active()
        visitors = sim.rng.choice(users, size=max(1, int(len(users) * visit_share)), replace=False)
        stats = [
            sim.visit(t, day0 + timedelta(days=day, minutes=3 * i)) for i, t in enumerate(visitors)
        ]
        shown = sum(s["shown"] for s in stats)
        online.append(
            {
                "day": day + 1,
                "serving": version,
                "visits": len(stats),
                "mean_utility_shown": float(np.mean([s["utility"] for s in stats if s["shown"]])),
                "apply_rate": sum(s["applies"] for s in stats) / max(shown, 1),
            }
        )
        console.print(
            f"day {day + 1}: {version} served {len(stats)} visits, "
            f"apply rate {online[-1]['apply_rate']:.3f}"
        )
        if (day + 1) % retrain_every == 0 or day + 1 == rounds:
            run = pipeline.run(force=True, triggered_by="simulation")
            trained.append(
                {
                    "after_day": day + 1,
                    "status": run.status,
                    "version": run.candidate_version,
                    "promoted": run.promoted,
                    "message": run.message,
                    "validation": {
                        "candidate_ndcg_at_10": run.metrics.get("ndcg_at_10"),
                        "champion": run.metrics.get("champion", {}).get("version"),
                        "champion_ndcg_at_10": run.metrics.get("champion", {}).get("ndcg_at_10"),
                        "rows": run.metrics.get("candidate", {}).get("rows"),
                    },
                }
            )
            console.print(f"  training after day {day + 1}: {run.status} - {run.message}")

    versions = [initial.version] + [t["version"] for t in trained if t["version"]]
    held = held_out_eval(engine, sim, held_out, versions)
    with Session(engine) as session:
        active = registry.active_version(session, settings.matcher_model_id)
        feedback = session.query(MatchFeedback).count()
        impressions = session.query(Match).count()

    seed_pairs_used = settings.training_include_seed_pairs
    table = Table(
        title=f"Held-out NDCG@10: {len(held_out)} unseen talents x {jobs} jobs "
        f"(after {rounds} days, {impressions} impressions, {feedback} feedback rows)"
    )
    for column in ("scorer", "trained on", "status", "NDCG@10", "AUC"):
        table.add_column(column, justify="left" if column in ("scorer", "status") else "right")
    status = {initial.version: "initial"}
    source = {initial.version: f"{initial_pairs} labelled pairs"}
    for t in trained:
        if t["version"]:
            status[t["version"]] = "promoted" if t["promoted"] else "rejected"
            source[t["version"]] = (
                f"{initial_pairs} pairs + feedback to day {t['after_day']}"
                if seed_pairs_used
                else f"feedback to day {t['after_day']}"
            )
    for name, m in held.items():
        label = status.get(name, "baseline")
        if active is not None and name == active.version:
            label += " (active)"
        table.add_row(
            name,
            source.get(name, "-"),
            label,
            f"{m['ndcg_at_10']:.4f}",
            "-" if m["auc"] is None else f"{m['auc']:.4f}",
        )
    console.print(table)
    final = versions[-1]
    gain = held[final]["ndcg_at_10"] - held[initial.version]["ndcg_at_10"]
    console.print(
        f"final retrained {final} vs initial {initial.version}: NDCG@10 {gain:+.4f} "
        f"({'better' if gain > 0 else 'not better'}); active: {active.version if active else None}"
    )
    report = {
        "params": {
            "talents": talents,
            "jobs": jobs,
            "initial_pairs": initial_pairs,
            "rounds": rounds,
            "visit_share": visit_share,
            "retrain_every": retrain_every,
            "seed": seed,
            "examine_decay": EXAMINE_DECAY,
            "explore_slots": explore,
            "held_out_talents": len(held_out),
        },
        "impressions": impressions,
        "feedback_rows": feedback,
        "online": online,
        "training_runs": trained,
        "held_out": held,
        "final_vs_initial_ndcg_gain": gain,
        "active_version": active.version if active else None,
        "seconds": round(time.perf_counter() - started, 1),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    console.print(f"report: {out} ({report['seconds']} s)")


if __name__ == "__main__":
    cli()
