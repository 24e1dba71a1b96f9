"""talent-match: explainable talent <-> job matching."""

__version__ = "0.1.0"
