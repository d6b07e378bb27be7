"""`stance corpus --check`: every problem of a target's training corpus, in one run.

:func:`pipeline.corpus.load_corpus` stops at the first bad row, which is right for
training (a model is never fitted on a corpus it could not read) but makes fixing a
corpus one error per run. :func:`check` reads the same files with the same actor
resolution and reports all of it, each problem with its file and line:

- a mentioned actor without a row (the pipeline finds the actor in the sentence, by name
  or through a pronoun, group phrase or heading, and no row labels it);
- a row whose actor the sentence does not mention (or that is not in the dictionary);
- duplicate rows (same text and actor, same label) and conflicting ones (different labels),
  across all the files of the target, since they train one model;
- labels outside the set, malformed dates, empty text or doc, wrong number of fields.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Collection
from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pipeline.actors import ActorDictionary, ActorMatcher, Coreference
from pipeline.config import TargetConfig, project_root
from pipeline.corpus import COLUMNS, LABELS, doc_pairs
from pipeline.errors import StanceError
from pipeline.lang import LanguagePack


@dataclass(frozen=True)
class Problem:
    """One flagged problem: where it is and what it is."""

    file: Path
    line: int
    kind: str
    message: str

    def format(self) -> str:
        """``file:line: kind: message``, the file relative to the working folder when under it (as editors link it)."""
        path = Path(self.file)
        with suppress(ValueError):
            path = path.resolve().relative_to(Path.cwd().resolve())
        return f"{path}:{self.line}: {self.kind}: {self.message}"


@dataclass(frozen=True)
class _Row:
    file: Path
    line: int
    text: str
    actor: str
    stance: str
    doc: str
    date: str


def corpus_files(path: Path) -> list[Path]:
    """The CSV files of a training folder (or the file itself); an empty folder has none."""
    path = Path(path)
    if path.is_dir():
        return sorted(path.glob("*.csv"))
    if path.is_file():
        return [path]
    raise StanceError(f"{path}: training folder not found")


def check(config: TargetConfig) -> list[Problem]:
    """Every problem of ``config``'s training corpus, in file and line order.

    Parameters
    ----------
    config : TargetConfig
        The target whose ``train`` folder is checked, with its dictionary and settings.

    Returns
    -------
    list of Problem
        Empty when the corpus is clean.

    Raises
    ------
    StanceError
        When the dictionary itself cannot be read (nothing can be checked without it).
    """
    dictionary = ActorDictionary.load(config.actors_path)
    problems: list[Problem] = []
    rows: list[_Row] = []
    for file in corpus_files(config.train_path):
        rows += _read(file, dictionary, problems)
    problems += _duplicates(rows)
    problems += _resolution(rows, dictionary, config.home_government, config.principals, config.lang)
    return sorted(problems, key=lambda p: (str(p.file), p.line, p.kind, p.message))


def _read(file: Path, dictionary: ActorDictionary, problems: list[Problem]) -> list[_Row]:
    """The rows of one CSV that can be checked further; every row-level problem goes to ``problems``."""
    rows = []
    try:
        with open(file, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                problems.append(Problem(file, 1, "columns", f"missing column(s) {', '.join(missing)}"))
                return []
            for row in reader:
                line = reader.line_num
                if None in row or any(row.get(c) is None for c in COLUMNS):
                    problems.append(Problem(file, line, "fields", "wrong number of fields"))
                    continue
                text, actor, stance = row["text"].strip(), row["actor"].strip(), row["stance"].strip()
                doc, day = row["doc"].strip(), (row.get("date") or "").strip()
                bad = False
                if not text:
                    problems.append(Problem(file, line, "text", "empty text"))
                    bad = True
                if stance not in LABELS:
                    problems.append(Problem(file, line, "label", f"unknown label {stance!r} (use {', '.join(LABELS)})"))
                if not doc:
                    problems.append(Problem(file, line, "doc", "empty doc"))
                    bad = True
                if day and not _is_date(day):
                    problems.append(Problem(file, line, "date", f"malformed date {day!r} (use YYYY-MM-DD)"))
                    day = ""
                if actor not in dictionary:
                    problems.append(Problem(file, line, "actor", f"actor {actor!r} is not in the dictionary"))
                    bad = True
                if not bad:
                    rows.append(_Row(file, line, text, actor, stance, doc, day))
    except UnicodeDecodeError:
        problems.append(Problem(file, 1, "encoding", "not UTF-8 text"))
    except csv.Error as exc:
        problems.append(Problem(file, 1, "csv", f"malformed CSV ({exc})"))
    return rows


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10  # fromisoformat also takes 20191021, which the corpus format does not


def _duplicates(rows: list[_Row]) -> list[Problem]:
    first: dict[tuple[str, str], _Row] = {}
    problems = []
    for row in rows:
        seen = first.setdefault((row.text, row.actor), row)
        if seen is row:
            continue
        where = f"line {seen.line}" if seen.file == row.file else f"{seen.file.name}:{seen.line}"
        if seen.stance == row.stance:
            problems.append(Problem(row.file, row.line, "duplicate", f"same text and actor {row.actor!r} as {where}"))
        else:
            problems.append(Problem(row.file, row.line, "conflict", f"{row.actor!r} labelled {row.stance!r} here "
                                                                    f"and {seen.stance!r} at {where}"))
    return problems


def _resolution(rows: list[_Row], dictionary: ActorDictionary, home_government: str | None,
                principals: Collection[str], lang: LanguagePack | None = None) -> list[Problem]:
    """Rows whose actor is not found, and actors found without a row, doc by doc as training reads them."""
    matcher = ActorMatcher(dictionary, lang)
    coref = Coreference(dictionary, home_government, lang)
    docs: dict[tuple[Path, str], list[_Row]] = {}
    for row in rows:
        docs.setdefault((row.file, row.doc), []).append(row)
    problems = []
    for (file, _), doc_rows in docs.items():
        texts = list(dict.fromkeys(r.text for r in doc_rows))
        dates = [r.date for r in doc_rows if r.date]
        when = date.fromisoformat(dates[0]) if dates else None
        # text -> actor -> how it was found
        found = {text: {p.actor: "/".join(p.via) for p in pairs}
                 for text, pairs in doc_pairs(texts, when, dictionary, matcher, coref, principals).items()}
        labelled: dict[str, set[str]] = {}
        first_line: dict[str, int] = {}
        for row in doc_rows:
            labelled.setdefault(row.text, set()).add(row.actor)
            first_line.setdefault(row.text, row.line)
            if row.actor not in found[row.text]:
                problems.append(Problem(file, row.line, "not mentioned",
                                        f"the sentence does not mention {row.actor!r} (add the alias to the dictionary "
                                        "or name the actor)"))
        for text in texts:
            for actor, via in found[text].items():
                if actor not in labelled[text]:
                    problems.append(Problem(file, first_line[text], "missing row",
                                            f"{actor!r} is mentioned ({via}) but has no row for this sentence"))
    return problems


def check_targets(target: str | Path | None, say: Callable[[str], None], note: Callable[[str], None]) -> int:
    """Check one target (or every target of ``targets/`` when ``target`` is None), print
    each problem with ``say`` and a summary with ``note``; the exit code: 1 if anything is
    flagged, else 0."""
    if target is None:
        configs = [TargetConfig.load(p) for p in sorted((project_root() / "targets").glob("*.toml"))]
    else:
        configs = [TargetConfig.load(target)]
    flagged = 0
    for config in configs:
        problems = check(config)
        for problem in problems:
            say(problem.format())
        kinds = Counter(p.kind for p in problems)
        summary = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items())) or "clean"
        note(f"stance: {config.name}: {len(corpus_files(config.train_path))} file(s), {summary}")
        flagged += len(problems)
    return 1 if flagged else 0
