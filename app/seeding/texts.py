"""The bounded set of texts a synthetic world is written with.

A job and a talent of one occupation are written from disjoint halves of its task statements
and titles: when they shared sentences, same-occupation texts had a MiniLM cosine of 0.76
against 0.58 for real O*NET-written pairs, and the model learned thresholds no real text
reaches. Every title, description, bio and resume is a function of (occupation, variant) only, with
`variants` (default 3) per occupation. So however many rows are seeded, at most
occupations x variants distinct texts exist per kind (98 x 3 = 294 today), and embedding
cost stays fixed: 100k jobs embed a few hundred texts, not 100k. The structured fields
(skills, levels, location, salary, preferences) vary per row.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.seeding.vocab import Occupation, Vocab

_JOB_INTROS = (
    "We are hiring a {title} to join our team.",
    "Join us as a {title} and help shape how we work.",
    "Our growing team is looking for a {title}.",
    "As a {title} you will own meaningful work from day one.",
    "We are looking for an experienced {title}.",
    "Come work with us as a {title}.",
)
_BIO_OPENERS = (
    "{title} with hands-on experience:",
    "{title} who enjoys the craft:",
    "Experienced {title}. Recent work:",
    "{title} focused on results:",
)


def _lower_first(sentence: str) -> str:
    sentence = sentence.rstrip(".")
    return sentence[:1].lower() + sentence[1:]


def _rotate(items: tuple[str, ...], start: int, count: int) -> list[str]:
    count = min(count, len(items))
    return [items[(start + i) % len(items)] for i in range(count)]


@dataclass(frozen=True)
class TextBook:
    """All texts of a world, indexed by occupation * variants + variant."""

    variants: int
    job_titles: tuple[str, ...]
    job_descriptions: tuple[str, ...]
    headlines: tuple[str, ...]
    bios: tuple[str, ...]
    resumes: tuple[str, ...]

    def index(self, occupation: int, variant: int) -> int:
        return occupation * self.variants + variant


def _halves(items: tuple[str, ...], *, second: bool = False) -> tuple[str, ...]:
    """Alternate items to the job side and the talent side, so a posting and a résumé of one
    occupation never share a sentence or a title (as real ones rarely do); an occupation
    with a single item lends it to both."""
    half = items[1::2] if second else items[0::2]
    return half or items


def _skill_names(vocab: Vocab, occ: Occupation, start: int, count: int) -> list[str]:
    names = tuple(vocab.skills[i].name for i in occ.skills[:12])
    return _rotate(names, start, count)


def build_textbook(vocab: Vocab, variants: int) -> TextBook:
    if variants < 1:
        raise ValueError("text variants must be at least 1")
    job_titles, descriptions, headlines, bios, resumes = [], [], [], [], []
    for occ in vocab.occupations:
        job_side, talent_side = _halves(occ.tasks), _halves(occ.tasks, second=True)
        job_names, talent_names = _halves(occ.alt_titles), _halves(occ.alt_titles, second=True)
        for v in range(variants):
            title = job_names[v % len(job_names)]
            intro = _JOB_INTROS[v % len(_JOB_INTROS)].format(title=title)
            tasks = " ".join(_rotate(job_side, v, 3))
            tools = ", ".join(_skill_names(vocab, occ, 3 * v, 6))
            job_titles.append(title)
            descriptions.append(f"{intro} What you will do: {tasks} Tools we use: {tools}.")

            headline = talent_names[v % len(talent_names)]
            opener = _BIO_OPENERS[v % len(_BIO_OPENERS)].format(title=headline)
            done = "; ".join(_lower_first(t) for t in _rotate(talent_side, v, 2))
            comfortable = ", ".join(_skill_names(vocab, occ, 2 * v, 3))
            headlines.append(headline)
            bios.append(f"{opener} {done}. Comfortable with {comfortable}.")
            bullets = "\n".join(f"- {t}" for t in _rotate(talent_side, v + 2, 3))
            skills = ", ".join(_skill_names(vocab, occ, v, 8))
            resumes.append(f"Experience ({occ.title}):\n{bullets}\nSkills: {skills}.")
    return TextBook(
        variants=variants,
        job_titles=tuple(job_titles),
        job_descriptions=tuple(descriptions),
        headlines=tuple(headlines),
        bios=tuple(bios),
        resumes=tuple(resumes),
    )
