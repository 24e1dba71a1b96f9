"""The drift run's HTML report: one self-contained file (inline SVG, no CSS, no scripts).

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


CARD_BG = {"drift": "#fdeee4", "ok": "#ffffff", "not_enough_data": "#f2f2f2"}
CARDS_PER_ROW = 3


def _legend(colour: str) -> str:
    return f'<svg width="12" height="12"><rect width="12" height="12" fill="{colour}"/></svg>'


def _column_card(column: ColumnDrift) -> str:
    label = {"drift": "DRIFT", "ok": "ok", "not_enough_data": "not enough data"}[column.status]
    return (
        f'<td valign="top" bgcolor="{CARD_BG[column.status]}"><b>{escape(column.name)}</b><br>'
        f"<small><b>{label}</b> · PSI {_fmt(column.psi)} · mean "
        f"{_fmt(column.reference_mean, 2)} → {_fmt(column.current_mean, 2)}</small><br>"
        f"{_histogram_svg(column)}</td>"
    )


def _cards(columns: list[ColumnDrift]) -> str:
    rows = [
        "<tr>" + "".join(_column_card(c) for c in columns[i : i + CARDS_PER_ROW]) + "</tr>"
        for i in range(0, len(columns), CARDS_PER_ROW)
    ]
    return f'<table cellpadding="8" cellspacing="6" border="0">{"".join(rows)}</table>'


def render(result: DriftResult, *, title: str) -> str:
    """The page, styled only with HTML and SVG attributes: the dashboard shows it inline,
    under a Content-Security-Policy that allows no inline CSS (and keeps only the elements and
    attributes used here: frontend/src/components/DriftPanel.tsx)."""
    verdict = "ALERT" if result.alert else "no alert"
    emb = result.embedding
    notes = "".join(f"<li>{escape(n)}</li>" for n in result.notes)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title></head>
<body>
<h1>{escape(title)}</h1>
<table cellpadding="12" width="100%"><tr><td bgcolor="{"#fbe3dc" if result.alert else "#eef3ee"}">
<big><b>{verdict}</b>: overall drift {_fmt(result.overall_score)} (threshold
{_fmt(result.threshold, 2)}), set by {escape(result.overall_metric)}</big></td></tr></table>
<p>{result.reference_rows} reference rows (the model's training sample),
{result.current_rows} current rows (the inference log).
{_legend(REF_COLOUR)} reference {_legend(CUR_COLOUR)} current</p>
<ul>{notes}</ul>
<h2>Prediction (score) drift</h2>{_cards([result.prediction])}
<h2>Embedding drift (job texts)</h2>
<p>{escape(emb.method)}: {escape(emb.status)}, drift {_fmt(emb.score)} (ROC AUC
{_fmt(emb.roc_auc)}, mean-vector cosine distance {_fmt(emb.mean_cosine_distance, 4)});
{emb.reference_rows} reference vs {emb.current_rows} current jobs.</p>
<h2>Features, drifting first (PSI on reference-decile bins)</h2>
{_cards(result.features)}
</body></html>
"""


def write(result: DriftResult, path: Path, *, title: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(result, title=title), encoding="utf-8")
    return path
