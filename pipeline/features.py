"""Stage 4: features of one (sentence, actor) pair.

A sentence is tokenised once, with every actor mention replaced by a placeholder. For
each actor of the sentence the placeholders become ``TGT`` (the actor whose stance we
want), ``PRO`` / ``ANTI`` (the two sides of the dispute, from the dictionary's ``camp``)
or ``ACT`` (any other actor), so "Chile backed González" and "Peru backed González" look
alike, while "backed Maduro" and "backed González" do not. Coordinated lists that contain
the target collapse into one ``TGT`` ("Mexico, Colombia and Brazil asked" gives each of the
three "TGT asked").

The features then say what surrounds the target: words of its clause, words just before
and after it, its role (agent of a "by" passive, source of "according to", speaker of a
quote, possessor, object of a preposition), negation scope ("did not NOT_recognize"),
conditions ("until", "unless") and target-specific cue words per stance, with their side
and negation. The classifier learns their weights.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from pipeline.actors import DATELINE, ActorDictionary, Mention, fold, mention_runs

TOKEN = re.compile(r"'s\b|n't\b|[a-z0-9]+(?:[-'][a-z0-9]+)*|\x00\d+\x00|[^\w\s]")
NEGATORS = frozenset({"not", "n't", "never", "no", "without", "neither", "nor", "refused", "refuses", "refuse",
                      "declined", "declines", "decline", "cannot", "failed", "fails", "rather", "instead", "nothing"})
# Not ":": it introduces a list, a quote or an elaboration of the same clause ("Two leaders
# attended: Cuba's and Nicaragua's").
CLAUSE_BREAKS = frozenset({";", "while", "whereas", "but", "although", "though", "however", "meanwhile",
                           "yet", "—", "whilst", "unlike"})
CONDITIONS = frozenset({"until", "unless", "if", "once", "provided", "conditioned", "pending", "before", "only"})
PREPOSITIONS = frozenset({"to", "for", "on", "against", "with", "from", "of", "at", "in", "into", "toward",
                          "towards", "over", "about", "between", "among", "upon", "onto"})
SPEECH = frozenset({"said", "says", "told", "added", "stated", "declared", "insisted", "wrote", "posted", "argued",
                    "warned", "announced", "tweeted", "claimed", "claims", "stressed", "noted", "replied",
                    "responded", "affirmed", "asserted", "according"})
QUOTES = frozenset({'"', "“", "”", "«", "»"})
PUNCT = frozenset(",.;:!?()[]\"“”«»—-")
PLACEHOLDER = re.compile(r"\x00(\d+)\x00")
WINDOW_LEFT, WINDOW_RIGHT = 6, 10


@dataclass(frozen=True)
class Pair:
    """One (sentence, actor) pair to classify.

    Attributes
    ----------
    text : str
        The sentence.
    actor : str
        Canonical name of the target actor.
    mentions : tuple of (start, end, actor, camp, run)
        Every actor mention of the sentence (offsets into ``text``; ``start == end`` for a
        mention without a span, such as one inherited from a list heading; ``run`` numbers
        the coordinated list the mention belongs to). Pairs of the same sentence share this
        tuple, so the sentence is tokenised once.
    camp : str or None
        The target actor's camp ("pro", "anti" or None).
    kind : str
        The target actor's kind.
    via : tuple of str
        How the target was found in this sentence ("name", "pronoun", "group", ...).
    """

    text: str
    actor: str
    mentions: tuple[tuple[int, int, str, str | None, int], ...]
    camp: str | None = None
    kind: str = "country"
    via: tuple[str, ...] = ("name",)


def tokenize_with_mentions(text: str, mentions: Sequence[tuple]) -> list[str]:
    """Lower-case tokens of ``text`` with mention ``i`` replaced by the token ``"\\x00i\\x00"``.

    Mentions that share a span (a group phrase standing for several actors) share one
    placeholder per actor, adjacent in the token list.
    """
    dateline = DATELINE.match(text)
    if dateline and all(start >= dateline.end() for start, *_ in mentions):
        # "CARACAS, Aug 3 (Reuters) -" says where and when, not who holds which stance.
        text = " " * dateline.end() + text[dateline.end():]
    pieces = []
    cursor = 0
    for i, (start, end, *_) in enumerate(mentions):
        if start < cursor:  # same or overlapping span as the previous mention
            pieces.append(f"\x00{i}\x00")
            continue
        pieces.append(text[cursor:start])
        pieces.append(f" \x00{i}\x00 ")
        cursor = max(cursor, end)
    pieces.append(text[cursor:])
    return TOKEN.findall(fold("".join(pieces)).lower())


class PairFeatures:
    """Turn :class:`Pair` objects into lists of string features (pure Python, no scikit-learn,
    so that classifying needs neither scikit-learn nor SciPy at run time).

    Parameters
    ----------
    cues : dict of str to sequence of str, optional
        Cue phrases per stance class (``{"support": [...], "oppose": [...], ...}``),
        matched as word prefixes in the target's clause.
    sentence_ngrams : bool, default True
        Also emit unigrams and bigrams of the whole masked sentence.

    Notes
    -----
    ``transform`` takes a sequence of n :class:`Pair` and returns a list of n lists of
    str, for a vectorizer with ``analyzer=passthrough``.
    """

    def __init__(self, cues: dict[str, Sequence[str]] | None = None, sentence_ngrams: bool = True) -> None:
        self.cues = cues
        self.sentence_ngrams = sentence_ngrams
        self._compile()

    def _compile(self) -> None:
        self.cue_patterns_ = [
            (label, re.compile(r"\b(?:" + "|".join(re.escape(_cue_text(c)) for c in sorted(phrases, key=len, reverse=True))
                               + ")"))
            for label, phrases in sorted((self.cues or {}).items()) if phrases
        ]

    def transform(self, X: Iterable[Pair]) -> list[list[str]]:
        cache: dict[int, list[str]] = {}
        out = []
        for pair in X:
            key = id(pair.mentions)
            tokens = cache.get(key)
            if tokens is None:
                tokens = cache[key] = tokenize_with_mentions(pair.text, pair.mentions)
            out.append(self.pair_features(pair, tokens))
        return out

    def pair_features(self, pair: Pair, tokens: list[str]) -> list[str]:
        """Features of one pair, given the sentence's placeholder tokens."""
        seq, heading = _mask(pair, tokens)
        seq = _negate(seq)
        feats = [f"kind:{pair.kind}", f"camp:{pair.camp}"]
        feats += [f"via:{v}" for v in pair.via]
        if heading:
            feats.append("role:heading")
        if self.sentence_ngrams:
            feats += ["w:" + t for t in seq]
            feats += ["b:" + a + "_" + b for a, b in pairwise(seq)]
        positions = [i for i, t in enumerate(seq) if t == "TGT"]
        if not positions:  # heading-only mention: the whole sentence is the clause
            seq = ["TGT", ":"] + seq
            positions = [0]
        seen_clauses = set()
        for pos in positions[:3]:
            start, end = _clause(seq, pos)
            if (start, end) not in seen_clauses:
                seen_clauses.add((start, end))
                feats += self._clause_features(seq, start, end, pos)
            feats += _window_features(seq, pos, start, end)
        n_actors = sum(1 for t in seq if t in ("PRO", "ANTI", "ACT"))
        feats.append(f"others:{min(n_actors, 3)}")
        if any(t in QUOTES for t in seq):
            feats.append("has_quote")
        return feats

    def _clause_features(self, seq: list[str], start: int, end: int, pos: int) -> list[str]:
        clause = seq[start:end]
        feats = ["c:" + t for t in clause]
        feats += ["c2:" + a + "_" + b for a, b in pairwise(clause)]
        feats += ["c3:" + a + "_" + b + "_" + c for a, b, c in zip(clause, clause[1:], clause[2:], strict=False)]
        conditional = any(t in CONDITIONS for t in clause)
        if conditional:
            feats.append("cond")
        # The comma-delimited stretch around the target ("In talks held in TGT, ...") tells
        # cues of the target's own phrase from cues of the rest of the clause.
        seg_start, seg_end = pos - start, pos - start + 1
        while seg_start > 0 and clause[seg_start - 1] != ",":
            seg_start -= 1
        while seg_end < len(clause) and clause[seg_end] != ",":
            seg_end += 1
        feats += ["g:" + t for t in clause[seg_start:seg_end]]
        if self.cue_patterns_:
            plain = [t[4:] if t.startswith("not_") else t for t in clause]
            text = " ".join(plain)
            offsets = []
            cursor = 0
            for token in plain:
                offsets.append(cursor)
                cursor += len(token) + 1
            tgt_char = offsets[pos - start]
            for label, pattern in self.cue_patterns_:
                for match in pattern.finditer(text):
                    side = "R" if match.start() > tgt_char else "L"
                    index = _index_at(offsets, match.start())
                    negated = clause[index].startswith("not_") or (index > 0 and clause[index - 1] in NEGATORS)
                    name = f"cue:{label}:{side}" + (":neg" if negated else "")
                    distance = abs(index - (pos - start))
                    near = "d1" if distance <= 3 else "d2" if distance <= 8 else "d3"
                    feats += [name, f"cue:{label}" + (":neg" if negated else ""), f"{name}:{near}"]
                    feats.append(name + (":seg" if seg_start <= index < seg_end else ":out"))
                    if conditional:
                        feats.append(name + ":cond")
        return feats


def _cue_text(cue: str) -> str:
    """A cue as it appears in the token text: lower-case, except the placeholders."""
    return " ".join(word if word in TAGS else fold(word).lower() for word in cue.split())


def passthrough(features: list[str]) -> list[str]:
    """Analyzer for a scikit-learn vectorizer whose documents are already feature lists."""
    return features


def _mask(pair: Pair, tokens: list[str]) -> tuple[list[str], bool]:
    """Placeholders to TGT/PRO/ANTI/ACT; a coordinated list becomes one tag.

    The members of a list (same run id, see :func:`sentence_pairs`) and the words joining
    them collapse into one tag: ``TGT`` followed by ``LIST`` when the target is among them,
    else the members' common tag (``ACT`` when they differ).
    """
    seq: list[str] = []
    heading = False
    run, members, at = None, 0, -1  # the open list: its id, size, index of its tag in seq

    def close() -> None:
        if members > 1 and seq[at] == "TGT":
            seq.insert(at + 1, "LIST")

    for token in tokens:
        match = PLACEHOLDER.fullmatch(token)
        if not match:
            seq.append(token)
            continue
        start, end, actor, camp, mention_run = pair.mentions[int(match.group(1))]
        tag = "TGT" if actor == pair.actor else (camp.upper() if camp else "ACT")
        if start == end:
            heading = heading or tag == "TGT"
            continue
        if mention_run == run:
            del seq[at + 1:]  # the commas and "and" between members
            seq[at] = "TGT" if "TGT" in (tag, seq[at]) else (tag if tag == seq[at] else "ACT")
            members += 1
            continue
        close()
        seq.append(tag)
        run, members, at = mention_run, 1, len(seq) - 1
    close()
    return seq, heading


TAGS = frozenset({"TGT", "PRO", "ANTI", "ACT"})


def _negate(seq: list[str]) -> list[str]:
    """Prefix up to three words after a negator with ``not_``, stopping at punctuation."""
    out = []
    scope = 0
    for token in seq:
        if token in PUNCT or token in CLAUSE_BREAKS:
            scope = 0
            out.append(token)
        elif token in NEGATORS or token.endswith("n't"):
            scope = 3
            out.append(token)
        elif scope and token not in TAGS:
            out.append("not_" + token)
            scope -= 1
        else:
            out.append(token)
    return out


def _clause(seq: list[str], pos: int) -> tuple[int, int]:
    start = pos
    while start > 0 and seq[start - 1] not in CLAUSE_BREAKS:
        start -= 1
    end = pos + 1
    while end < len(seq) and seq[end] not in CLAUSE_BREAKS:
        end += 1
    return start, end


def _index_at(offsets: list[int], char: int) -> int:
    lo, hi = 0, len(offsets) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if offsets[mid] <= char:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _window_features(seq: list[str], pos: int, start: int, end: int) -> list[str]:
    left = seq[max(start, pos - WINDOW_LEFT):pos]
    right = seq[pos + 1:min(end, pos + 1 + WINDOW_RIGHT)]
    if right and right[0] == "LIST":
        right = right[1:]
    feats = ["L:" + t for t in left] + ["R:" + t for t in right]
    prev1 = left[-1] if left else "<s>"
    prev2 = left[-2] if len(left) > 1 else "<s>"
    next1 = right[0] if right else "</s>"
    next2 = right[1] if len(right) > 1 else "</s>"
    feats += [f"l1:{prev1}", f"l2:{prev2}_{prev1}", f"r1:{next1}", f"r2:{next1}_{next2}",
              f"lr:{prev1}_TGT_{next1}"]
    feats += [f"r3:{'_'.join(right[:3])}"] if len(right) >= 3 else []
    if pos == start or all(t in PUNCT or t in {"and", "the", "however", "meanwhile", "also"} for t in left):
        feats.append("role:clause_start")
    if prev1 == "by":
        feats.append("role:by_agent")
    if prev2 == "according" and prev1 == "to":
        feats.append("role:source")
    if prev1 in PREPOSITIONS:
        feats.append("role:prep_object")
    if next1 == "'s":
        feats.append("role:possessive")
    if any(t in SPEECH for t in right[:3]) or (prev1 in SPEECH and prev2 in QUOTES | {","}):
        feats.append("role:speaker")
    quotes_before = sum(1 for t in seq[:pos] if t in QUOTES)
    if quotes_before % 2 == 1:
        feats.append("role:in_quote")
    return feats


def sentence_pairs(text: str, mentions: Sequence[Mention], dictionary: ActorDictionary) -> list[Pair]:
    """One :class:`Pair` per actor mentioned in a sentence.

    Parameters
    ----------
    text : str
        The sentence.
    mentions : sequence of Mention
        Its resolved mentions (named and coreferent), sorted by offset.
    dictionary : ActorDictionary
        For each actor's camp and kind.
    """
    # Mentions of one coordinated list, or of one span (a group phrase), share a run id.
    run_of: dict[tuple[int, int], int] = {}
    for number, run in enumerate(mention_runs(text, mentions)):
        for m in run:
            run_of.setdefault((m.start, m.end), number)
    shared = tuple((m.start, m.end, m.actor, dictionary[m.actor].camp, run_of.get((m.start, m.end), -1))
                   for m in mentions)
    by_actor: dict[str, list[str]] = {}
    for m in mentions:
        by_actor.setdefault(m.actor, []).append(m.via)
    return [
        Pair(text, actor, shared, dictionary[actor].camp, dictionary[actor].kind, tuple(dict.fromkeys(vias)))
        for actor, vias in by_actor.items()
    ]
