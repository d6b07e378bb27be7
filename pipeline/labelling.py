"""`stance label`: the model proposes, a person confirms; labels from the user's own articles.

Every mentioned actor of every sentence of the articles gets a proposal from the trained
model (:meth:`StancePipeline.analyze`), all computed before the first prompt so that each
answer is followed by the next proposal at once. Proposals go in the order in which a label
would teach the model most (:func:`priority`): uncertain ones first, then actors and words
the target's corpus does not cover yet.

Answers go to ``data/train/NAME/labelled.csv`` (``text,actor,stance,doc,date``, ``doc`` the
article id), rewritten atomically after each answer with the rows of one article in
sentence order, because training reads a doc's rows in order to resolve "he", "they" and
"the government" as at run time. A row whose actor would not be found that way (a pronoun
whose antecedent sentence has no row yet) waits in the state file until its context is
labelled. The state file (``.label-state.json`` beside it) also keeps the skipped
proposals and the order of the answers, for undo and for resuming.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.actors import ActorMatcher, Coreference
from pipeline.config import TargetConfig
from pipeline.corpus import LABELS, doc_pairs
from pipeline.errors import StanceError
from pipeline.export import render_csv, write_atomic

LABELLED = "labelled.csv"
STATE = ".label-state.json"
COLUMNS = ("text", "actor", "stance", "doc", "date")
KEYS = {"s": "support", "o": "oppose", "n": "neutral", "x": "none"}
EXPORT_COLUMNS = ("doc", "date", "sentence", "actor", "text", "proposed", *(f"p_{label}" for label in LABELS),
                  "priority", "stance")
SCORE_EVERY = 50
WORD = re.compile(r"[a-záéíóúñü]{3,}")
# Weights of what a label teaches besides the model's uncertainty (0..1): an actor the
# corpus has never labelled, and the share of the sentence's words the corpus never saw.
NEW_ACTOR_WEIGHT = 0.3
NEW_WORDS_WEIGHT = 0.3


@dataclass
class Proposal:
    """One (sentence, actor) pair to label, with the model's proposal."""

    doc: str
    date: str
    sentence: int
    text: str
    actor: str
    spans: tuple[tuple[int, int], ...]
    probabilities: dict[str, float]
    proposed: str
    priority: float = 0.0

    @property
    def key(self) -> str:
        return f"{self.doc}\t{self.text}\t{self.actor}"


def row_key(row: dict[str, str]) -> str:
    return f"{row['doc']}\t{row['text']}\t{row['actor']}"


def uncertainty(probabilities: dict[str, float]) -> float:
    """1 minus the margin between the two most probable labels: 1 when the model cannot choose."""
    top = sorted(probabilities.values(), reverse=True)
    return 1.0 - (top[0] - (top[1] if len(top) > 1 else 0.0))


def priority(proposal: Proposal, known_actors: set[str], known_words: set[str]) -> float:
    """How much labelling ``proposal`` would teach the model.

    The margin uncertainty (the model's own doubt), plus :data:`NEW_ACTOR_WEIGHT` when the
    target's corpus has no row for the actor, plus :data:`NEW_WORDS_WEIGHT` times the share
    of the sentence's words never seen in the corpus (new phrasings).
    """
    words = set(WORD.findall(proposal.text.lower()))
    unseen = len(words - known_words) / len(words) if words else 0.0
    return uncertainty(proposal.probabilities) + NEW_ACTOR_WEIGHT * (proposal.actor not in known_actors) \
        + NEW_WORDS_WEIGHT * unseen


def read_corpus_rows(folder: Path) -> list[dict[str, str]]:
    """The rows of every CSV of a training folder, or of one CSV (lenient: only for coverage and for
    merging, :mod:`pipeline.corpus_check` validates)."""
    rows = []
    files = sorted(folder.glob("*.csv")) if folder.is_dir() else [folder] if folder.is_file() else []
    for path in files:
        try:
            with open(path, newline="", encoding="utf-8") as handle:
                for row in csv.DictReader(handle):
                    if all(row.get(c) for c in ("text", "actor", "stance", "doc")):
                        rows.append({c: (row.get(c) or "").strip() for c in COLUMNS} | {"file": path.name})
        except (UnicodeDecodeError, csv.Error) as exc:
            raise StanceError(f"{path}: cannot be read ({exc})") from None
    return rows


def build_proposals(pipeline, sources: Sequence[str], corpus_rows: Sequence[dict[str, str]],
                    on_note: Callable[[str], None] = lambda line: None) -> list[Proposal]:
    """Every (sentence, actor) pair of the articles with its proposal, most useful first.

    Parameters
    ----------
    pipeline : StancePipeline
        The target's pipeline (the general model, the target's dictionary and cue words).
    sources : sequence of str
        Article files (see :func:`pipeline.read.list_sources`).
    corpus_rows : sequence of dict
        The target's labelled rows, for coverage.
    """
    from pipeline.read import ReadFailure, read_articles

    known_actors = {r["actor"] for r in corpus_rows}
    known_words = {w for r in corpus_rows for w in WORD.findall(r["text"].lower())}
    proposals = []
    for article in read_articles(sources):
        if isinstance(article, ReadFailure):
            on_note(f"skipped {article.reason}")
            continue
        result = pipeline.analyze(article)
        day = article.date.isoformat() if article.date else ""
        for p in result.predictions:
            proposals.append(Proposal(article.id, day, p.sentence, p.text, p.actor, tuple(p.spans),
                                      {k: round(float(v), 4) for k, v in p.probabilities.items()}, p.label))
    for proposal in proposals:
        proposal.priority = round(priority(proposal, known_actors, known_words), 4)
    # Stable: equal priorities keep article and sentence order.
    return sorted(proposals, key=lambda p: -p.priority)


def highlight(text: str, spans: Iterable[tuple[int, int]], tty: bool) -> str:
    """The sentence with the actor's mentions in brackets (reverse video on a terminal)."""
    out, last = [], 0
    for start, end in sorted(s for s in spans if s[0] < s[1]):
        if start < last:
            continue
        out += [text[last:start], "\x1b[7m" if tty else "[", text[start:end], "\x1b[0m" if tty else "]"]
        last = end
    return "".join(out) + text[last:]


class LabelStore:
    """``labelled.csv`` and the state file of one target: answers, skips, pending rows.

    Parameters
    ----------
    config : TargetConfig
    order : dict, optional
        ``{(doc, text): sentence index}`` of the articles being labelled, to write each
        doc's rows in sentence order.
    """

    def __init__(self, config: TargetConfig, order: dict[tuple[str, str], int] | None = None) -> None:
        self.config = config
        self.folder = config.train_path
        if not self.folder.is_dir():
            raise StanceError(f"{self.folder}: training folder not found (run `stance init {config.name}` first)")
        self.path = self.folder / LABELLED
        self.state_path = self.folder / STATE
        self.order = order or {}
        self.rows: dict[str, dict[str, str]] = {}
        if self.path.is_file():
            for row in read_corpus_rows(self.path):
                self.rows[row_key(row)] = {c: row[c] for c in COLUMNS}
        state = self._read_state()
        for row in state.get("pending", []):
            self.rows.setdefault(row_key(row), row)
        self.skipped: set[str] = set(state.get("skipped", []))
        self.history: list[str] = list(state.get("history", []))
        self.pending: set[str] = set()
        self._dictionary = None

    def _read_state(self) -> dict:
        if not self.state_path.is_file():
            return {}
        try:
            return json.loads(self.state_path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise StanceError(f"{self.state_path}: not a labelling state file (remove it to start over)") from None

    def done(self, key: str) -> bool:
        return key in self.rows or key in self.skipped

    def label(self, proposal: Proposal, stance: str) -> None:
        if stance not in LABELS:
            raise StanceError(f"unknown label {stance!r} (use {', '.join(LABELS)})")
        self.rows[proposal.key] = {"text": proposal.text, "actor": proposal.actor, "stance": stance,
                                   "doc": proposal.doc, "date": proposal.date}
        self.history.append(proposal.key)

    def skip(self, proposal: Proposal) -> None:
        self.skipped.add(proposal.key)
        self.history.append(proposal.key)

    def undo(self) -> str | None:
        """Forget the last answer (label or skip); returns its key."""
        if not self.history:
            return None
        key = self.history.pop()
        self.rows.pop(key, None)
        self.skipped.discard(key)
        return key

    def add_rows(self, rows: Iterable[dict[str, str]]) -> int:
        n = 0
        for row in rows:
            self.rows[row_key(row)] = {c: row[c] for c in COLUMNS}
            n += 1
        return n

    def save(self) -> None:
        """Write ``labelled.csv`` (rows whose actor training will find) and the state, atomically."""
        rows = list(self.rows.values())
        position = {row_key(r): i for i, r in enumerate(rows)}
        docs = list(dict.fromkeys(r["doc"] for r in rows))
        rank = {d: i for i, d in enumerate(docs)}
        rows.sort(key=lambda r: (rank[r["doc"]], self.order.get((r["doc"], r["text"]), -1), position[row_key(r)]))
        written, self.pending = self._resolvable(rows)
        if written:
            table = [list(COLUMNS), *([r[c] for c in COLUMNS] for r in written)]
            write_atomic(self.path, lambda h: h.write(render_csv(table)))
        elif self.path.is_file():  # everything undone: an empty corpus is no corpus (training skips it)
            self.path.unlink()
        state = {"pending": [self.rows[k] for k in sorted(self.pending)], "skipped": sorted(self.skipped),
                 "history": self.history}
        write_atomic(self.state_path, lambda h: h.write(json.dumps(state, ensure_ascii=False, indent=1)))

    def _resolvable(self, rows: list[dict[str, str]]) -> tuple[list[dict[str, str]], set[str]]:
        """The rows whose actor the corpus reader finds in its sentence among the rows
        written, and the keys of the others (pending).

        Docs are independent, so each is solved on its own and cached by its rows: after an
        answer only that answer's doc is resolved again (which keeps the next prompt fast).
        """
        from pipeline.actors import ActorDictionary

        if self._dictionary is None:
            self._dictionary = ActorDictionary.load(self.config.actors_path)
            self._matcher = ActorMatcher(self._dictionary, self.config.lang)
            self._coref = Coreference(self._dictionary, self.config.home_government, self.config.lang)
            self._solved: dict[str, tuple[tuple, frozenset[str]]] = {}
        by_doc: dict[str, list[dict[str, str]]] = {}
        for r in rows:
            by_doc.setdefault(r["doc"], []).append(r)
        pending: set[str] = set()
        for doc, doc_rows in by_doc.items():
            signature = tuple((r["text"], r["actor"], r["date"]) for r in doc_rows)
            cached = self._solved.get(doc)
            if cached is None or cached[0] != signature:
                cached = (signature, self._doc_pending(doc_rows))
                self._solved[doc] = cached
            pending |= cached[1]
        return [r for r in rows if row_key(r) not in pending], pending

    def _doc_pending(self, doc_rows: list[dict[str, str]]) -> frozenset[str]:
        """Keys of one doc's rows whose actor is not found (dropping a row can remove
        another's antecedent: repeat until stable)."""
        from datetime import date

        dictionary = self._dictionary
        pending = {row_key(r) for r in doc_rows if r["actor"] not in dictionary}
        while True:
            kept = [r for r in doc_rows if row_key(r) not in pending]
            texts = list(dict.fromkeys(r["text"] for r in kept))
            dates = [r["date"] for r in kept if r["date"]]
            try:
                when = date.fromisoformat(dates[0]) if dates else None
            except ValueError:
                when = None
            found = {(t, p.actor) for t, pairs in doc_pairs(texts, when, dictionary, self._matcher, self._coref,
                                                             self.config.principals).items() for p in pairs}
            lost = {row_key(r) for r in kept if (r["text"], r["actor"]) not in found}
            if not lost:
                return frozenset(pending)
            pending |= lost


def export_proposals(proposals: Sequence[Proposal], store: LabelStore, path: Path) -> int:
    """Write every proposal (with its probabilities, and the label already given if any) for a spreadsheet."""
    table = [list(EXPORT_COLUMNS)]
    for p in proposals:
        given = store.rows.get(p.key, {}).get("stance", "")
        table.append([p.doc, p.date, str(p.sentence), p.actor, p.text, p.proposed,
                      *(f"{p.probabilities.get(label, 0.0):.3f}" for label in LABELS), f"{p.priority:.3f}", given])
    write_atomic(path, lambda h: h.write(render_csv(table)))
    return len(table) - 1


def import_labels(path: Path, store: LabelStore) -> tuple[int, int]:
    """Read a corrected export back: rows with a ``stance`` become labels (validated, all
    errors reported at once); returns (labels imported, rows left blank)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:  # spreadsheets add a BOM
            reader = csv.DictReader(handle)
            missing = [c for c in ("doc", "actor", "text", "stance") if c not in (reader.fieldnames or [])]
            if missing:
                raise StanceError(f"{path}: missing column(s) {', '.join(missing)} (import a file made by --export)")
            rows, errors, blank = [], [], 0
            for row in reader:
                values = {k: _unsafe(v or "") for k, v in row.items() if k}
                stance = values.get("stance", "").strip().lower()
                stance = KEYS.get(stance, stance)
                if not stance:
                    blank += 1
                    continue
                if stance not in LABELS:
                    errors.append(f"line {reader.line_num}: unknown label {stance!r}")
                    continue
                rows.append({"text": values["text"].strip(), "actor": values["actor"].strip(), "stance": stance,
                             "doc": values["doc"].strip(), "date": values.get("date", "").strip()})
    except FileNotFoundError:
        raise StanceError(f"{path}: not found") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise StanceError(f"{path}: cannot be read ({exc})") from None
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise StanceError(f"{path}: {errors[0]}{more}; use {', '.join(LABELS)}: nothing imported")
    return store.add_rows(rows), blank


def _unsafe(value: str) -> str:
    """Undo the apostrophe that :func:`pipeline.export.safe_cell` puts before formula-like cells."""
    return value[1:] if value[:2] in {f"'{c}" for c in "=+-@\t\r"} else value


def cross_validated(config: TargetConfig, folds: int = 3) -> tuple[float, float] | None:
    """Accuracy and macro-F1 of grouped ``folds``-fold CV on the target's own corpus (None
    with fewer docs than folds)."""
    from pipeline.corpus import load_target_corpus
    from pipeline.evaluate import cross_validate
    from pipeline.model import fit_linear

    corpus = load_target_corpus(config)
    if len({e.doc for e in corpus.examples}) < folds or len(set(corpus.labels)) < 2:
        return None
    scores = cross_validate(corpus, lambda sub: fit_linear(sub, [config]), folds, n_jobs=1)["model"]
    return scores.accuracy, scores.macro_f1


def gold_scores(config: TargetConfig) -> list[tuple[str, float, float]]:
    """``(set, accuracy, macro-F1)`` on each of the target's gold sets (its ``eval_sets``
    and samples), of the model ``stance train`` would fit now: the general model, on the
    corpora of every target sharing it."""
    from pipeline.corpus import Corpus
    from pipeline.model import fit
    from pipeline.training import evaluate_gold, gold_sets, model_targets, trainable_corpora

    sets = gold_sets(config)
    if not sets:
        return []
    configs, corpora = trainable_corpora(model_targets(config), lambda line: None)
    if not corpora:
        return []
    held = next((c for c in configs if c.name == config.name), config)
    model = fit(Corpus.combine(corpora), configs, kind=config.classifier,
                vector_weight=config.vector_weight).linear_for(held)
    return [(name, s.accuracy, s.macro_f1) for name, articles, gold in sets
            for s in [evaluate_gold(held, articles, gold, [model])["model"]]]


def run_session(proposals: Sequence[Proposal], store: LabelStore, read: Callable[[str], str] = input,
                say: Callable[[str], None] = print, tty: bool = False, score: Callable[[], str] | None = None) -> dict:
    """The labelling loop: show each open proposal, read one key per answer.

    Keys: ``s``/``o``/``n``/``x`` support, oppose, neutral, none; Enter accepts the
    proposal; ``k`` skips; ``u`` undoes the last answer; ``q`` (or end of input) quits.
    Every answer is saved at once, so a session can stop anywhere and resume.

    Returns
    -------
    dict
        Counts of the session: labelled, accepted, corrected, skipped, undone, open.
    """
    index = {p.key: p for p in proposals}
    queue = [p for p in proposals if not store.done(p.key)]
    total, stats = len(proposals), dict.fromkeys(("labelled", "accepted", "corrected", "skipped", "undone"), 0)
    outcome: dict[str, str] = {}  # this session's answers, for undo
    position = 0
    while position < len(queue):
        p = queue[position]
        done = total - (len(queue) - position)
        probs = "  ".join(f"{label} {p.probabilities.get(label, 0.0):.2f}" for label in LABELS)
        say(f"\n[{done + 1}/{total}] {p.doc} #{p.sentence}  {p.actor}\n  {highlight(p.text, p.spans, tty)}\n"
            f"  proposal: {p.proposed}   ({probs})")
        try:
            answer = read("  s/o/n/x, Enter = accept, k skip, u undo, q quit > ").strip().lower()
        except EOFError:
            break
        if answer == "q":
            break
        if answer == "u":
            key = store.undo()
            if key is None:
                say("  nothing to undo")
                continue
            stats["undone"] += 1
            if key in outcome:  # answered in this session: its count goes too
                stats[outcome.pop(key)] -= 1
                stats["labelled"] = stats["accepted"] + stats["corrected"]
            store.save()
            back = index.get(key)
            if back is not None:  # show it again, next
                queue.insert(position, back)
            continue
        if answer == "k":
            store.skip(p)
            stats["skipped"] += 1
            outcome[p.key] = "skipped"
        elif answer == "" or answer in KEYS:
            stance = p.proposed if answer == "" else KEYS[answer]
            store.label(p, stance)
            outcome[p.key] = "accepted" if stance == p.proposed else "corrected"
            stats[outcome[p.key]] += 1
            stats["labelled"] += 1
        else:
            say(f"  unknown key {answer!r}")
            continue
        store.save()
        position += 1
        if score is not None and stats["labelled"] and answer != "k" and stats["labelled"] % SCORE_EVERY == 0:
            say(score())
    stats["open"] = sum(1 for p in proposals if not store.done(p.key))
    return stats


def label_command(config: TargetConfig, paths: list[str], model: Path | None = None, trust_model: bool = False,
                  export: Path | None = None, import_: Path | None = None, no_score: bool = False,
                  read: Callable[[str], str] = input, say: Callable[[str], None] = print,
                  note: Callable[[str], None] = lambda line: print(line, file=sys.stderr)) -> int:
    """What `stance label` does; returns the exit code."""
    from pipeline.read import list_sources
    from pipeline.runner import StancePipeline

    store = LabelStore(config)
    if import_ is not None:
        imported, blank = import_labels(import_, store)
        store.save()
        note(f"stance: imported {imported} label(s) from {import_} ({blank} row(s) without a label left out); "
             f"{len(store.pending)} wait for their context in {store.state_path.name}")
        if not paths:
            return 0
    if not paths:
        raise StanceError("give the articles to label (files or folders), or --import FILE")
    if export is not None:
        from pipeline.export import check_destination

        check_destination(export)
    sources = list_sources(paths)
    pipeline = StancePipeline(config, model_dir=model, trust_model=trust_model)
    pipeline.model  # noqa: B018 - fail on a missing model before reading anything
    corpus_rows = read_corpus_rows(config.train_path)
    proposals = build_proposals(pipeline, sources, corpus_rows, lambda line: note(f"stance: {line}"))
    # Pairs labelled in the target's other CSVs (written by hand) are not asked again: a
    # second row would be a duplicate, or a conflict, for `corpus --check`.
    elsewhere = {(r["text"], r["actor"]) for r in corpus_rows if r["file"] != LABELLED}
    proposals = [p for p in proposals if (p.text, p.actor) not in elsewhere]
    if not proposals:
        raise StanceError("no actor of the dictionary is mentioned in these articles: nothing to label")
    store.order = {(p.doc, p.text): p.sentence for p in proposals}
    if export is not None:
        n = export_proposals(proposals, store, export)
        note(f"stance: wrote {export} ({n} proposals; fill the stance column, then --import it)")
        return 0
    last: list[tuple[float, float] | None] = [None]
    last_gold: dict[str, tuple[float, float]] = {}

    def score() -> str:
        try:
            now = cross_validated(config)
        except StanceError as exc:  # a corpus problem must not end the session: say it and go on
            return f"  3-fold CV not run: {exc} (see `stance corpus --check --target {config.name}`)"
        if now is None:
            lines = ["  3-fold CV: not enough docs yet"]
        else:
            before, last[0] = last[0], now
            move = "" if before is None else f" (was {before[0]:.3f} / {before[1]:.3f})"
            lines = [f"  3-fold CV on {config.name}'s corpus: accuracy {now[0]:.3f}, macro-F1 {now[1]:.3f}{move}"]
        # The user's own gold (eval_sets of the target): what retraining would give now.
        try:
            scored = gold_scores(config)
        except StanceError as exc:  # e.g. a label with no example yet: say it and go on
            scored = []
            lines.append(f"  gold sets not scored: {exc}")
        for name, accuracy, macro_f1 in scored:
            was = last_gold.get(name)
            last_gold[name] = (accuracy, macro_f1)
            move = "" if was is None else f" (was {was[0]:.3f} / {was[1]:.3f})"
            lines.append(f"  {name}: cell accuracy {accuracy:.3f}, macro-F1 {macro_f1:.3f}{move}")
        return "\n".join(lines)

    stats = run_session(proposals, store, read, say, sys.stdout.isatty(), None if no_score else score)
    note(f"stance: {stats['labelled']} labelled ({stats['accepted']} accepted, {stats['corrected']} corrected), "
         f"{stats['skipped']} skipped, {stats['open']} open; {store.path}"
         + (f"; {len(store.pending)} wait for their context" if store.pending else ""))
    return 0

