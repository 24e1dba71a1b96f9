"""The drift run's HTML report: one self-contained file (inline SVG and CSS, no scripts).

Made to be looked at: the verdict first, then per feature the reference and current shares
of each bin drawn side by side, drifting features first, then the score distribution and the
embedding check. Every string that comes from data is escaped.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from app.drift.stats import ColumnDrift, DriftResult

BAR_W = 300
BAR_H = 90
REF_COLOUR = "#7a8ca3"
CUR_COLOUR = "#e07b39"


def _fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _histogram_svg(column: ColumnDrift) -> str:
    """Paired bars per bin: reference (grey-blue) left, current (orange) right."""
    bins = len(column.reference_shares)
    top = max([*column.reference_shares, *column.current_shares, 1e-9])
    slot = BAR_W / max(bins, 1)
    bar = max(slot / 2 - 1, 1)
    parts = [
        f'<svg width="{BAR_W}" height="{BAR_H + 14}" role="img" '
        f'aria-label="{escape(column.name)} distribution">'
    ]
    for j, (ref, cur) in enumerate(
        zip(column.reference_shares, column.current_shares, strict=True)
    ):
        x = j * slot
        for offset, share, colour in ((0.0, ref, REF_COLOUR), (bar, cur, CUR_COLOUR)):
            h = BAR_H * share / top
            parts.append(
                f'<rect x="{x + offset:.1f}" y="{BAR_H - h:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}" fill="{colour}"><title>bin {j}: {share:.1%}</title></rect>'
            )
    parts.append(
        f'<text x="0" y="{BAR_H + 12}" font-size="10">low</text>'
        f'<text x="{BAR_W - 24}" y="{BAR_H + 12}" font-size="10">high</text></svg>'
    )
    return "".join(parts)


def _column_card(column: ColumnDrift) -> str:
    label = {"drift": "DRIFT", "ok": "ok", "not_enough_data": "not enough data"}[column.status]
    return (
        f'<div class="card {column.status}"><h3>{escape(column.name)}</h3>'
        f"<p><b>{label}</b> · PSI {_fmt(column.psi)} · mean {_fmt(column.reference_mean, 2)}"
        f" → {_fmt(column.current_mean, 2)}</p>{_histogram_svg(column)}</div>"
    )


def render(result: DriftResult, *, title: str) -> str:
    verdict = "ALERT" if result.alert else "no alert"
    emb = result.embedding
    notes = "".join(f"<li>{escape(n)}</li>" for n in result.notes)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>
<style>
body{{font-family:system-ui,sans-serif;margin:24px;color:#222}}
.verdict{{font-size:20px;padding:12px;border-radius:6px;background:#eef3ee}}
.verdict.alert{{background:#fbe3dc}}
.grid{{display:flex;flex-wrap:wrap;gap:12px}}
.card{{border:1px solid #ddd;border-radius:6px;padding:8px;width:{BAR_W + 16}px}}
.card.drift{{border-color:#e07b39;border-width:2px}}
.card.not_enough_data{{opacity:.6}}
.legend span{{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px}}
h3{{margin:4px 0;font-size:14px}} p{{margin:4px 0;font-size:12px}}
</style></head><body>
<h1>{escape(title)}</h1>
<div class="verdict{" alert" if result.alert else ""}">{verdict}: overall drift
{_fmt(result.overall_score)} (threshold {_fmt(result.threshold, 2)}), set by
{escape(result.overall_metric)}</div>
<p>{result.reference_rows} reference rows (the model's training sample),
{result.current_rows} current rows (the inference log).
<span class="legend"><span style="background:{REF_COLOUR}"></span>reference
<span style="background:{CUR_COLOUR}"></span>current</span></p>
<ul>{notes}</ul>
<h2>Prediction (score) drift</h2><div class="grid">{_column_card(result.prediction)}</div>
<h2>Embedding drift (job texts)</h2>
<p>{escape(emb.method)}: {escape(emb.status)}, drift {_fmt(emb.score)} (ROC AUC
{_fmt(emb.roc_auc)}, mean-vector cosine distance {_fmt(emb.mean_cosine_distance, 4)});
{emb.reference_rows} reference vs {emb.current_rows} current jobs.</p>
<h2>Features, drifting first (PSI on reference-decile bins)</h2>
<div class="grid">{"".join(_column_card(c) for c in result.features)}</div>
</body></html>
"""


def write(result: DriftResult, path: Path, *, title: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(result, title=title), encoding="utf-8")
    return path
