"""The packaged vocabulary is small, self-contained and consistent."""

from __future__ import annotations

from importlib.resources import files

from app.seeding.vocab import load_vocab


def test_vocabulary_ships_inside_the_package_and_is_small() -> None:
    blob = files("app.seeding").joinpath("data/vocab.json.gz")
    assert blob.is_file()
    assert len(blob.read_bytes()) < 1_000_000
    assert "O*NET 29.2" in files("app.seeding").joinpath("data/NOTICE.txt").read_text()


def test_vocabulary_is_consistent() -> None:
    vocab = load_vocab()
    assert "O*NET" in vocab.attribution
    assert len(vocab.occupations) >= 60
    assert len(vocab.cities) >= 50
    names = [s.name for s in vocab.skills]
    assert len(names) == len(set(names))
    assert any(s.hot for s in vocab.skills)
    for occ in vocab.occupations:
        assert 1 <= occ.job_zone <= 5
        assert occ.skills
        assert all(0 <= i < len(vocab.skills) for i in occ.skills)
        assert len(occ.tasks) >= 4
        assert occ.alt_titles
        assert occ.group in vocab.group_labels
    for city in vocab.cities:
        assert -90 <= city.lat <= 90
        assert -180 <= city.lon <= 180
        assert city.salary_multiplier > 0
