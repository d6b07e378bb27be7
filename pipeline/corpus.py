"""Labelled training data: CSV files of (sentence, actor, stance) rows, read as articles.

Rows of one ``doc`` are read in order as one article, so that the actor resolution used
at training time (pronouns, "both countries", list headings) is the one used at run time.
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from pipeline.actors import ActorDictionary, ActorMatcher, Coreference
from pipeline.config import TargetConfig
from pipeline.errors import StanceError
from pipeline.features import Pair, article_pairs
from pipeline.labels import LABELS, STANCES
from pipeline.lang import LanguagePack
from pipeline.segment import Sentence

STANCE_LABELS = STANCES  # the name other modules import from here
COLUMNS = ("text", "actor", "stance", "doc")


@dataclass(frozen=True)
class Example:
    """A labelled pair with where it came from (file and line, for error messages)."""

    pair: Pair
    label: str
    doc: str
    where: str


@dataclass
class Corpus:
    """Training examples and a hash of the files they came from."""

    examples: list[Example]
    files: list[Path]
    sha256: str

    @property
    def labels(self) -> list[str]:
        return [e.label for e in self.examples]

    @property
    def pairs(self) -> list[Pair]:
        return [e.pair for e in self.examples]

    @property
    def groups(self) -> list[str]:
        return [e.doc for e in self.examples]

    def subset(self, indices: Sequence[int]) -> Corpus:
        return Corpus([self.examples[i] for i in indices], self.files, self.sha256)

    @classmethod
    def combine(cls, corpora: Sequence[Corpus]) -> Corpus:
        """One corpus of several targets' (docs stay apart: their names carry the target)."""
        if len(corpora) == 1:
            return corpora[0]
        digest = hashlib.sha256()
        for corpus in corpora:
            digest.update(corpus.sha256.encode())
        examples = [replace(e, doc=f"{e.pair.target}:{e.doc}") for corpus in corpora for e in corpus.examples]
        return cls(examples, [f for corpus in corpora for f in corpus.files], digest.hexdigest())

    def distribution(self) -> dict[str, int]:
        counts = Counter(self.labels)
        return {label: counts.get(label, 0) for label in LABELS}


def training_files(path: Path) -> list[Path]:
    """The CSV files of a training folder (or the file itself), sorted."""
    path = Path(path)
    files = sorted(path.glob("*.csv")) if path.is_dir() else [path]
    if not files or not all(f.is_file() for f in files):
        raise StanceError(f"{path}: no training CSV files found")
    return files


def read_rows(path: Path) -> list[dict[str, str]]:
    """Rows of one training CSV, validated; raises :class:`StanceError` naming file and line."""
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise StanceError(f"{path}: line 1: missing column(s) {', '.join(missing)}")
            rows = []
            seen: dict[tuple[str, str], int] = {}
            for row in reader:
                line = reader.line_num
                if None in row or any(row.get(c) is None for c in COLUMNS):
                    raise StanceError(f"{path}: line {line}: wrong number of fields")
                text, actor, stance = row["text"].strip(), row["actor"].strip(), row["stance"].strip()
                if not text:
                    raise StanceError(f"{path}: line {line}: empty text")
                if stance not in LABELS:
                    raise StanceError(f"{path}: line {line}: unknown label {stance!r} (use {', '.join(LABELS)})")
                if not row["doc"].strip():
                    raise StanceError(f"{path}: line {line}: empty doc")
                key = (text, actor)
                if key in seen:
                    raise StanceError(f"{path}: line {line}: duplicate of line {seen[key]} (same text and actor)")
                seen[key] = line
                rows.append({"text": text, "actor": actor, "stance": stance, "doc": row["doc"].strip(),
                             "date": (row.get("date") or "").strip(), "line": str(line)})
            return rows
    except UnicodeDecodeError:
        raise StanceError(f"{path}: not UTF-8 text") from None
    except csv.Error as exc:
        raise StanceError(f"{path}: malformed CSV ({exc})") from None


def load_target_corpus(config: TargetConfig) -> Corpus:
    """The training corpus of a target, resolved with its dictionary and settings."""
    dictionary = ActorDictionary.load(config.actors_path)
    check_principals(config, dictionary)
    return load_corpus(config.train_path, dictionary, config.home_government, config.principals, config.name,
                       config.lang)


def check_principals(config: TargetConfig, dictionary: ActorDictionary) -> None:
    """Every principal of the target is an actor of its dictionary with a camp."""
    for name in config.principals:
        if name not in dictionary or not dictionary[name].camp:
            raise StanceError(f"{config.source}: principal {name!r} is not an actor with a camp in {config.actors_path}")


def load_corpus(path: Path, dictionary: ActorDictionary, home_government: str | None = None,
                principals: Collection[str] = (), target: str = "", lang: LanguagePack | None = None) -> Corpus:
    """Read every training CSV under ``path`` into examples.

    Each labelled actor must be found in its sentence by the same actor resolution the
    pipeline uses at run time; otherwise training stops naming the file and line.
    ``principals`` are the target's (see :func:`~pipeline.features.sentence_pairs`);
    ``target`` its name, which every pair carries; ``lang`` the language pack (English by default).
    """
    files = training_files(path)
    matcher = ActorMatcher(dictionary, lang)
    coref = Coreference(dictionary, home_government, lang)
    digest = hashlib.sha256()
    examples: list[Example] = []
    for file in files:
        digest.update(file.name.encode() + b"\0" + file.read_bytes())
        rows = read_rows(file)
        docs: dict[str, list[dict[str, str]]] = {}
        for row in rows:
            if row["actor"] not in dictionary:
                raise StanceError(f"{file}: line {row['line']}: actor {row['actor']!r} is not in the dictionary")
            docs.setdefault(f"{file.stem}/{row['doc']}", []).append(row)
        for doc, doc_rows in docs.items():
            examples += _doc_examples(file, doc, doc_rows, dictionary, matcher, coref, principals, target)
    return Corpus(examples=examples, files=files, sha256=digest.hexdigest())


def _doc_examples(file: Path, doc: str, rows: list[dict[str, str]], dictionary: ActorDictionary,
                  matcher: ActorMatcher, coref: Coreference, principals: Collection[str], target: str) -> list[Example]:
    texts = list(dict.fromkeys(r["text"] for r in rows))
    dates = [r["date"] for r in rows if r["date"]]
    try:
        when = date.fromisoformat(dates[0]) if dates else None
    except ValueError:
        raise StanceError(f"{file}: doc {doc}: bad date {dates[0]!r} (use YYYY-MM-DD)") from None
    pairs = {(text, pair.actor): replace(pair, target=target)
             for text, found in doc_pairs(texts, when, dictionary, matcher, coref, principals).items() for pair in found}
    examples = []
    for row in rows:
        pair = pairs.get((row["text"], row["actor"]))
        if pair is None:
            raise StanceError(f"{file}: line {row['line']}: actor {row['actor']!r} is not found in its text "
                              "(add the alias to the dictionary or name the actor)")
        examples.append(Example(pair, row["stance"], doc, f"{file}:{row['line']}"))
    return examples


def doc_pairs(texts: Sequence[str], when: date | None, dictionary: ActorDictionary, matcher: ActorMatcher,
              coref: Coreference, principals: Collection[str] = ()) -> dict[str, list[Pair]]:
    """The pairs of each sentence of one training doc (distinct ``texts``, in order), read as
    one article dated ``when``, so that "he" and "both countries" resolve as at run time."""
    sentences = [Sentence(i, t, 0, len(t), i) for i, t in enumerate(texts)]
    resolved = coref.resolve(sentences, [matcher.find(t) for t in texts], when)
    return dict(zip(texts, article_pairs(texts, resolved, dictionary, principals, coref.lang), strict=True))


def corpus_stats(corpus: Corpus) -> dict:
    """Size and coverage figures of a corpus, for its README and for tests."""
    sentences: dict[str, set[str]] = {}
    labels_by_sentence: dict[str, set[str]] = {}
    for example in corpus.examples:
        sentences.setdefault(example.pair.text, set()).add(example.pair.actor)
        labels_by_sentence.setdefault(example.pair.text, set()).add(example.label)
    multi = [t for t, actors in sentences.items() if len(actors) >= 2]
    mixed = [t for t in multi if len(labels_by_sentence[t] & set(STANCE_LABELS)) >= 2]
    via = Counter(v for e in corpus.examples for v in e.pair.via if v != "name")
    return {
        "pairs": len(corpus.examples),
        "sentences": len(sentences),
        "docs": len({e.doc for e in corpus.examples}),
        "actors": len({e.pair.actor for e in corpus.examples}),
        "labels": corpus.distribution(),
        "multi_actor_sentences": len(multi),
        "mixed_stance_sentences": len(mixed),
        "resolved_without_name": dict(sorted(via.items())),
        "files": {f.name: sum(1 for e in corpus.examples if e.where.startswith(f"{f}:")) for f in corpus.files},
    }


def stats_markdown(stats: dict) -> str:
    """The generated part of ``data/train/README.md``."""
    total = stats["pairs"]
    lines = [
        f"- {total} labelled (sentence, actor) pairs in {stats['sentences']} sentences and {stats['docs']} docs, "
        f"{stats['actors']} distinct actors.",
        f"- {stats['multi_actor_sentences']} sentences ({stats['multi_actor_sentences'] / stats['sentences']:.0%}) name "
        f"two or more actors; {stats['mixed_stance_sentences']} of them give actors different stances.",
        "- Actors found through a pronoun, group phrase, heading or \"the government\": "
        + ", ".join(f"{k} {v}" for k, v in stats["resolved_without_name"].items()) + ".",
        "",
        "| label | pairs | share |",
        "| --- | ---: | ---: |",
        *[f"| {label} | {n} | {n / total:.1%} |" for label, n in stats["labels"].items()],
        "",
        "| file | pairs |",
        "| --- | ---: |",
        *[f"| `{name}` | {n} |" for name, n in stats["files"].items()],
    ]
    return "\n".join(lines) + "\n"
