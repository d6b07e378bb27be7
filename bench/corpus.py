"""Benchmark corpora: N varied articles of about 600 words, built from the project's own text.

The paragraphs come from the sample articles (``data/samples/*.txt``) and the training
sentences (``data/train/<target>/*.csv``, one paragraph per training doc). Each benchmark
article is a date line, a title and paragraphs drawn at random until it reaches the word
count, so that no two articles are alike while the mix of actors and sentence lengths
stays that of the real data. The corpus depends only on the seed and the data.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path


@dataclass(frozen=True)
class Corpus:
    """Where a benchmark corpus was written and what it holds."""

    folder: Path
    articles: int
    words: int
    source: str


def paragraph_pool(samples: Path, train: Path) -> tuple[list[str], str]:
    """Paragraphs to draw articles from, and a description of where they came from.

    Both sources are used: the sample articles alone (a few dozen paragraphs) would make
    10,000 articles that repeat each other.
    """
    pool: list[str] = []
    where = []
    files = sorted(samples.glob("*.txt")) if samples.is_dir() else []
    for path in files:
        lines = [line.strip() for line in path.read_text(encoding="utf-8", errors="replace").splitlines()]
        # Skip date lines and titles: short lines without a final full stop.
        pool += [line for line in lines if len(line.split()) >= 8 and line.rstrip()[-1:] in ".\"'”?!"]
    if files:
        where.append(f"{len(files)} sample articles in {samples}")
    docs: dict[str, list[str]] = {}
    for path in sorted(train.glob("*.csv")):
        with open(path, encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                sentences = docs.setdefault(row["doc"], [])
                if row["text"] not in sentences:  # one row per (sentence, actor): keep each sentence once
                    sentences.append(row["text"])
    pool += [_paragraph(s) for s in docs.values()]
    if docs:
        where.append(f"{len(docs)} training docs in {train}")
    if not pool:
        raise SystemExit(f"no sample articles in {samples} and no training data in {train}")
    return pool, f"{len(pool)} paragraphs from " + " and ".join(where)


def _paragraph(sentences: list[str]) -> str:
    """Sentences of a doc as one paragraph; a headline (no final punctuation) gets its own line."""
    lines = [""]
    for sentence in sentences:
        if sentence.rstrip()[-1:] in ".\"'”?!":
            lines[-1] = f"{lines[-1]} {sentence}".strip()
        else:
            lines[-1:] = [line for line in (lines[-1], sentence) if line] + [""]
    return "\n".join(line for line in lines if line)


def articles(n: int, pool: list[str], words: int = 600, seed: int = 0) -> Iterator[tuple[str, date, str, int]]:
    """``n`` articles of at least ``words`` words: (id, date, text, word count), one at a time."""
    rng = random.Random(seed)
    day0 = date(2024, 7, 29)
    for i in range(n):
        day = day0 + timedelta(days=rng.randrange(560))
        lines = [f"CARACAS, {day:%b} {day.day}, {day.year}", f"Benchmark article {i}"]
        count = 0
        while count < words:
            paragraph = rng.choice(pool)
            lines.append(paragraph)
            count += len(paragraph.split())
        yield f"a{i:05d}", day, "\n".join(lines) + "\n", count


def build(folder: Path, n: int, pool: list[str], source: str, words: int = 600, seed: int = 0) -> Corpus:
    """Write ``n`` articles of at least ``words`` words into ``folder`` (created)."""
    folder.mkdir(parents=True, exist_ok=True)
    total = 0
    for article_id, _, text, count in articles(n, pool, words, seed):
        total += count
        (folder / f"{article_id}.txt").write_text(text, encoding="utf-8")
    return Corpus(folder, n, total, source)


def build_jsonl(path: Path, n: int, pool: list[str], source: str, words: int = 600, seed: int = 0) -> Corpus:
    """Write the same ``n`` articles as :func:`build` as one JSON Lines file (``id``, ``date``,
    ``title``, ``text``), streamed: a 100,000-article corpus never sits in memory."""
    total = 0
    with open(path, "w", encoding="utf-8") as handle:
        for article_id, day, text, count in articles(n, pool, words, seed):
            total += count
            record = {"id": article_id, "date": day.isoformat(), "title": text.split("\n", 2)[1], "text": text}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return Corpus(path, n, total, source)
