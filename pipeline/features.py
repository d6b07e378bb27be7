"""Stage 4: features of one (sentence, actor) pair.

A sentence is tokenised once, with every actor mention replaced by a placeholder. For
each actor of the sentence the placeholders become ``TGT`` (the actor whose stance we
want), ``PRO`` / ``ANTI`` (the two sides of the dispute, from the dictionary's ``camp``)
or ``ACT`` (any other actor), so "Chile backed González" and "Peru backed González" look
alike, while "backed Maduro" and "backed González" do not. Coordinated lists that contain
the target collapse into one ``TGT`` ("Mexico, Colombia and Brazil asked" gives each of the
three "TGT asked", and the feature ``role:list``).

The features then say what surrounds the target: words of its clause, words just before
and after it, its role (agent of a "by" passive, source of "according to", speaker of a
quote, possessor, object of a preposition), negation scope ("did not NOT_recognize"),
conditions ("until", "unless") and target-specific cue words per stance, with their side
and negation. One more family ties the words of the target's clause to who the target
is (``a@Chile:asked``), because the same words carry different stances for different
actors ("asked for the tally sheets" is a neutral demand from Chile and a challenge from
Washington; Maduro "defending" is his own re-election). It also lets the model learn each
actor's usual side, which helps most sentences and hurts those where an actor breaks
with it (see the README, "Accuracy"). An actor absent from the training data gets no such
feature and is read from the context alone. The classifier learns their weights.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from hashlib import blake2b
from itertools import accumulate

import numpy as np

from pipeline.actors import DATELINE, ActorDictionary, Mention, fold, mention_runs, trie_regex

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
    """Features of :class:`Pair` objects, as names (for training and reading) or as integer
    keys (for classifying fast).

    Parameters
    ----------
    cues : dict of str to sequence of str, optional
        Cue phrases per stance class (``{"support": [...], "oppose": [...], ...}``),
        matched as word prefixes in the target's clause.

    Notes
    -----
    ``transform`` takes a sequence of n :class:`Pair` and returns a list of n lists of
    feature names (str), for a vectorizer with ``analyzer=passthrough``. ``encode`` returns
    the same features as two arrays, the row of each feature and its 64-bit key
    (:func:`feature_key` of its name), computed with NumPy rather than one Python string at
    a time, which the classifier looks up in a hash table of arrays (building ~100 strings
    per pair and looking them up in a dict was most of the classification time).

    Both come from one description of each pair (its masked token sequence, the n-gram
    ranges over it, explicit n-grams and literal features), so names and keys always agree.
    Pairs of one sentence that share their ``mentions`` tuple (as :func:`sentence_pairs`
    makes them) share the work on the sentence: it is tokenised, masked and searched for
    cues once.
    """

    def __init__(self, cues: dict[str, Sequence[str]] | None = None) -> None:
        self.cues = cues
        self._compile()

    def _compile(self) -> None:
        self.cue_patterns_ = [
            (label, re.compile(r"\b(?:" + trie_regex(_cue_text(c) for c in phrases) + ")"))
            for label, phrases in sorted((self.cues or {}).items()) if phrases
        ]
        # Where any cue of any label starts (a zero-width lookahead, so overlapping starts
        # are all found): one scan instead of one per label.
        self._cue_starts = re.compile(r"\b(?=" + trie_regex(
            _cue_text(c) for phrases in (self.cues or {}).values() for c in phrases) + ")")
        self._literal_keys: dict[str, int] = {}
        self._point_keys: dict[tuple, int] = {}

    def _literal_key(self, literal: str) -> int:
        key = self._literal_keys.get(literal)
        if key is None:
            key = self._literal_keys[literal] = feature_key(literal)
        return key

    def _point_key(self, point: tuple) -> int:
        key = self._point_keys.get(point)
        if key is None:
            if len(self._point_keys) > 1 << 16:  # bound the memory of a long-running worker
                self._point_keys.clear()
            family, *tokens = point
            key = self._point_keys[point] = _mix(family, *map(token_code, tokens))
        return key

    def transform(self, X: Iterable[Pair]) -> list[list[str]]:
        templates: dict[int, tuple[tuple, _Template]] = {}
        return [_names(*self._describe(pair, self._template_of(pair, templates)), actor=pair.actor) for pair in X]

    def encode(self, X: Sequence[Pair]) -> tuple[np.ndarray, np.ndarray]:
        """Features as keys.

        Returns
        -------
        rows : ndarray of shape (n_features_total,), int64
            Index of the pair each feature belongs to.
        keys : ndarray of shape (n_features_total,), uint64
            :func:`feature_key` of each feature's name.
        """
        templates: dict[int, tuple[tuple, _Template]] = {}
        literal_keys, point_keys = self._literal_keys, self._point_keys
        codes: list[int] = []
        bases: list[int] = []  # where each pair's codes start in ``codes``
        ranges: list[int] = []  # family, start, end, family, ... in the pair's sequence
        range_counts: list[int] = []
        extra_counts: list[int] = []
        extra_keys: list[int] = []
        salts: list[int] = []  # per pair: the code of its actor, for the actor-clause family
        # Python ints go to NumPy at ~50 ns each: hand over as few as possible.
        for pair in X:
            template = self._template_of(pair, templates)
            _, shift, targets, ranges_of_pair, points, literals = self._describe(pair, template)
            if template.codes is None:
                known = _token_codes.get  # inlined lookup: most tokens have a code already
                template.codes = [known(t) or token_code(t) for t in template.tokens]
            base = len(codes)
            bases.append(base)
            salts.append(actor_code(pair.actor))
            if shift:
                codes += (TGT_CODE, COLON_CODE)
                codes += template.codes
            else:
                pair_codes = template.codes.copy()
                for position in targets:
                    pair_codes[position] = TGT_CODE
                codes += pair_codes
            ranges += ranges_of_pair
            range_counts.append(len(ranges_of_pair) // 3)
            # Literals and explicit n-grams recur: their keys are looked up, made once.
            keys_of_pair = list(map(literal_keys.get, literals))
            keys_of_pair += map(point_keys.get, points)
            if None in keys_of_pair:
                keys_of_pair = [self._literal_key(f) for f in literals] + [self._point_key(p) for p in points]
            extra_keys += keys_of_pair
            extra_counts.append(len(literals) + len(points))
        codes.append(0)
        codes.append(0)  # so that every position + 2 is in the array
        # fromiter converts a long list of ints faster than np.array does.
        token_codes = np.fromiter(codes, dtype=np.uint64, count=len(codes))
        table = np.fromiter(ranges, dtype=np.int64, count=len(ranges)).reshape(-1, 3)
        pair_of_range = np.repeat(np.arange(len(bases), dtype=np.int64), range_counts)
        families, starts_in_pair, ends = table.T
        orders = _NGRAM_ORDER[families]
        counts = np.maximum(ends - starts_in_pair - orders + 1, 0)
        starts = starts_in_pair + np.array(bases, dtype=np.int64)[pair_of_range]  # into ``codes``
        # Every n-gram of every range, without a Python loop: each range's start, repeated,
        # plus a running index that restarts at each range.
        first = np.cumsum(counts) - counts
        at = np.repeat(starts - first, counts) + np.arange(int(counts.sum()))
        order = np.repeat(orders, counts)
        family_keys = families.astype(np.uint64)
        own = families == A
        if own.any():  # the actor-clause family: its number mixed with the actor's code
            family_keys[own] = family_keys[own] * MIX + np.array(salts, dtype=np.uint64)[pair_of_range[own]]
        keys = np.repeat(family_keys, counts) * MIX + token_codes[at]
        keys = keys * MIX + np.where(order > 1, token_codes[at + 1], np.uint64(0))
        keys = keys * MIX + np.where(order > 2, token_codes[at + 2], np.uint64(0))
        rows = np.concatenate([np.repeat(np.arange(len(bases), dtype=np.int64), extra_counts),
                               np.repeat(pair_of_range, counts)])
        return rows, np.concatenate([np.fromiter(extra_keys, dtype=np.uint64, count=len(extra_keys)), keys])

    def _template(self, pair: Pair) -> _Template:
        """The sentence masked for no target in particular: each list or group one slot,
        tagged with its members' camp; negation scopes marked; cue matches found."""
        tokens: list[str] = []
        slots: dict[str, list[int]] = {}
        members: list[tuple[int, list[str], list[str]]] = []  # (position, tags, actors) per slot
        heading: set[str] = set()
        run = None
        raw = tokenize_with_mentions(pair.text, pair.mentions)
        done = 0  # raw tokens copied so far
        for i, (start, end, actor, camp, mention_run) in enumerate(pair.mentions):
            # Placeholders come in the order of the mentions: find each, copy the words before it.
            at = raw.index(f"\x00{i}\x00", done)
            tokens += raw[done:at]
            done = at + 1
            if start == end:
                heading.add(actor)
                continue
            tag = camp.upper() if camp else "ACT"
            if members and mention_run == run:
                position, tags, actors = members[-1]
                del tokens[position + 1:]  # the commas and "and" between members
                tags.append(tag)
                actors.append(actor)
                continue
            members.append((len(tokens), [tag], [actor]))
            tokens.append(tag)
            run = mention_run
        tokens += raw[done:]
        listed = set()
        for position, tags, actors in members:
            tokens[position] = tags[0] if len(set(tags)) == 1 else "ACT"
            for actor in actors:
                positions = slots.setdefault(actor, [])
                if position not in positions:
                    positions.append(position)
            if len(actors) > 1:
                listed.update(actors)
        plain, tokens = tokens, _negate(tokens)
        quotes_before = [0, *accumulate(t in QUOTES for t in tokens)] if not QUOTES.isdisjoint(tokens) else None
        breaks = [i for i, t in enumerate(tokens) if t in CLAUSE_BREAKS] if not CLAUSE_BREAKS.isdisjoint(tokens) else []
        commas = [i for i, t in enumerate(tokens) if t == ","]
        return _Template(tokens, slots, listed, heading, len(members), quotes_before, self._cue_matches(plain, tokens),
                         breaks, commas)

    def _cue_matches(self, plain: list[str], tokens: list[str]) -> list[tuple[int, int, str, bool]]:
        """(first token, last token, label, negated) of each cue phrase in the sentence
        (``plain``: its tokens before negation marking; ``tokens``: after)."""
        if not self.cue_patterns_:
            return []
        text = " ".join(plain)
        starts = [match.start() for match in self._cue_starts.finditer(text)]
        if not starts:
            return []
        offsets = [0, *accumulate(map((1).__add__, map(len, plain[:-1])))]  # where each token starts
        matches = []
        for label, pattern in self.cue_patterns_:
            # What ``pattern.finditer(text)`` gives, tried only where some cue starts: the
            # leftmost match, then the next one from where it ends.
            end = 0
            for start in starts:
                match = pattern.match(text, start) if start >= end else None
                if match is None:
                    continue
                end = match.end()
                first, last = bisect_right(offsets, start) - 1, bisect_right(offsets, end - 1) - 1
                negated = tokens[first].startswith("not_") or (first > 0 and tokens[first - 1] in NEGATORS)
                matches.append((first, last, label, negated))
        return matches

    def _template_of(self, pair: Pair, templates: dict[int, tuple[tuple, _Template]]) -> _Template:
        """The template of the pair's sentence, made once for the pairs sharing its mentions.

        Keyed by identity, with the mentions kept alive beside it: an id can only be
        reused once its object is gone, so a key never points at another sentence.
        """
        entry = templates.get(id(pair.mentions))
        if entry is None:
            entry = templates[id(pair.mentions)] = (pair.mentions, self._template(pair))
        return entry[1]

    def _describe(self, pair: Pair, template: _Template) -> tuple:
        """One pair as (token sequence, shift, target positions, n-gram ranges, explicit
        n-grams, literals).

        ``ranges`` are flat (family, start, end) triples: every n-gram of ``seq[start:end]``
        (``n`` is ``NGRAM_ORDER[family]``), flat because NumPy converts a list of tuples three
        times slower;
        ``points`` are (family, token, ...) tuples; ``shift`` is 2 when the target was only
        named by a heading and ``["TGT", ":"]`` was put before the sentence.
        """
        targets = template.slots.get(pair.actor)
        if targets:
            seq = template.tokens.copy()
            for position in targets:
                seq[position] = "TGT"
            shift = 0
        else:  # named only by a heading: the whole sentence is its clause
            seq = ["TGT", ":", *template.tokens]
            targets, shift = [0], 2
        literals = _pair_literals(pair.kind, pair.camp, pair.via)
        if pair.actor in template.heading:
            literals.append("role:heading")
        if pair.actor in template.listed:
            literals.append("role:list")
        literals.append(OTHERS[min(template.n_slots - len(targets) + shift // 2, 3)])
        if template.quotes_before:
            literals.append("has_quote")
        ranges: list[int] = []
        points: list[tuple] = []
        seen_clauses = set()
        for pos in targets[:3]:
            start, end = _between(template.breaks, pos, shift, 0, len(seq))
            if (start, end) not in seen_clauses:
                if not seen_clauses:
                    ranges += (A, start, end)
                seen_clauses.add((start, end))
                ranges += (C1, start, end, C2, start, end)
                conditional = not CONDITIONS.isdisjoint(seq[start:end])
                if conditional:
                    literals.append("cond")
                # The comma-delimited stretch around the target ("In talks held in TGT, ...")
                # tells cues of the target's own phrase from cues of the rest of the clause.
                seg_start, seg_end = _between(template.commas, pos, shift, start, end)
                ranges += (G, seg_start, seg_end)
                for first, last, label, negated in template.cues:
                    first, last = first + shift, last + shift
                    if first < start or last >= end or any(first <= t <= last for t in targets):
                        continue
                    distance = abs(first - pos)
                    literals += _cue_literals(label, first > pos, negated, 1 if distance <= 3 else 2 if distance <= 8 else 3,
                                              seg_start <= first < seg_end, conditional)
            left, right = max(start, pos - WINDOW_LEFT), min(end, pos + 1 + WINDOW_RIGHT)
            ranges += (L, left, pos, R, pos + 1, right)
            # The words next to the target, "<s>" / "</s>" past its window; as ranges of the
            # sequence when they are in it (cheaper to key).
            has_prev1, has_prev2 = pos - 1 >= left, pos - 2 >= left
            has_next1, has_next2 = pos + 1 < right, pos + 2 < right
            prev1 = seq[pos - 1] if has_prev1 else "<s>"
            prev2 = seq[pos - 2] if has_prev2 else "<s>"
            next1 = seq[pos + 1] if has_next1 else "</s>"
            next2 = seq[pos + 2] if has_next2 else "</s>"
            if has_prev1:
                ranges += (L1, pos - 1, pos, L2, pos - 2, pos) if has_prev2 else (L1, pos - 1, pos)
            if not has_prev2:
                points += [(L2, prev2, prev1)] if has_prev1 else [(L1, prev1), (L2, prev2, prev1)]
            if has_next1:
                ranges += (R1, pos + 1, pos + 2, R2, pos + 1, pos + 3) if has_next2 else (R1, pos + 1, pos + 2)
            if not has_next2:
                points += [(R2, next1, next2)] if has_next1 else [(R1, next1), (R2, next1, next2)]
            if has_prev1 and has_next1:
                ranges += (LR, pos - 1, pos + 2)
            else:
                points.append((LR, prev1, "TGT", next1))
            if right - pos > 3:
                ranges += (R3, pos + 1, pos + 4)
            if pos == start or LEFT_FILLERS.issuperset(seq[left:pos]):
                literals.append("role:clause_start")
            if prev1 == "by":
                literals.append("role:by_agent")
            if prev2 == "according" and prev1 == "to":
                literals.append("role:source")
            if prev1 in PREPOSITIONS:
                literals.append("role:prep_object")
            if next1 == "'s":
                literals.append("role:possessive")
            if not SPEECH.isdisjoint(seq[pos + 1:min(right, pos + 4)]) or (prev1 in SPEECH and prev2 in SPEAKER_BEFORE):
                literals.append("role:speaker")
            if template.quotes_before and template.quotes_before[max(pos - shift, 0)] % 2 == 1:
                literals.append("role:in_quote")
        return seq, shift, targets, ranges, points, literals


@dataclass(slots=True)
class _Template:
    """A sentence masked for no target in particular (see :meth:`PairFeatures._template`)."""

    tokens: list[str]
    slots: dict[str, list[int]]  # actor -> positions of the slots it is in
    listed: set[str]  # actors sharing a slot with others (a list or a group phrase)
    heading: set[str]  # actors named by a heading governing the sentence
    n_slots: int
    quotes_before: list[int] | None  # number of quote marks before each position, if any
    cues: list[tuple[int, int, str, bool]]
    breaks: list[int]  # positions of clause breaks
    commas: list[int]
    codes: list[int] | None = None


# Families of n-gram features: the prefix of their names and the number in their keys
# (1 was the words of the whole sentence, dropped when the actor-clause family came).
NGRAM_FAMILIES = {"c": 2, "c2": 3, "g": 4, "L": 5, "R": 6, "l1": 7, "l2": 8, "r1": 9, "r2": 10, "lr": 11, "r3": 12}
C1, C2, G, L, R, L1, L2, R1, R2, LR, R3 = NGRAM_FAMILIES.values()
LITERAL = 13
# The words of the target's clause once more, tied to who the target is: "a@Chile:asked" is
# not "a@Nicolás Maduro:asked". Its keys mix the actor's code into the family number.
ACTOR_CLAUSE = "a"
A = 14
NGRAM_ORDER = (0, 0, 1, 2, 1, 1, 1, 1, 2, 1, 2, 3, 3, 0, 1)  # n of each family's n-grams
_NGRAM_ORDER = np.array(NGRAM_ORDER)
PREFIXES = {number: prefix + ":" for prefix, number in NGRAM_FAMILIES.items()} | {A: ACTOR_CLAUSE + "@"}
MIX = np.uint64(0x9E3779B97F4A7C15)  # odd, so multiplying by it modulo 2**64 loses nothing
MASK = (1 << 64) - 1
LEFT_FILLERS = PUNCT | {"and", "the", "however", "meanwhile", "also"}
OTHERS = tuple(f"others:{n}" for n in range(4))  # how many other actors the sentence names, at most 3
SPEAKER_BEFORE = QUOTES | {","}
_token_codes: dict[str, int] = {}


def token_code(token: str) -> int:
    """A stable 64-bit code of a token (the same in every process, unlike ``hash``)."""
    code = _token_codes.get(token)
    if code is None:
        if len(_token_codes) > 1 << 20:  # bound the memory of a long-running worker
            _token_codes.clear()
        digest = blake2b(token.encode("utf-8", "surrogatepass"), digest_size=8).digest()
        code = _token_codes[token] = int.from_bytes(digest, "little")
    return code


def _mix(family: int, a: int, b: int = 0, c: int = 0) -> int:
    """The key of an n-gram of up to three token codes; :meth:`PairFeatures.encode` computes
    the same in uint64 arrays (multiplication wraps modulo 2**64 there)."""
    mix = int(MIX)
    key = (family * mix + a) & MASK
    key = (key * mix + b) & MASK
    return (key * mix + c) & MASK


def feature_key(name: str) -> int:
    """The 64-bit key of a feature name, as :meth:`PairFeatures.encode` gives it.

    N-gram names are ``<family>:<token> <token> ...`` (tokens never hold a space), or
    ``a@<actor>:<token>`` for the actor-clause family (actor names hold no ":", see
    :class:`~pipeline.actors.ActorDictionary`); any other name is a literal feature, keyed
    as a whole.
    """
    prefix, colon, rest = name.partition(":")
    family_name, at, actor = prefix.partition("@")
    if colon and at and family_name == ACTOR_CLAUSE:
        return _mix((A * int(MIX) + actor_code(actor)) & MASK, token_code(rest))
    family = NGRAM_FAMILIES.get(prefix) if colon else None
    if family is None:
        return _mix(LITERAL, token_code(name))
    return _mix(family, *map(token_code, rest.split(" ")))


@lru_cache(maxsize=4096)
def actor_code(actor: str) -> int:
    """The code the actor-clause family mixes into its keys."""
    return token_code("@" + actor)


TGT_CODE = token_code("TGT")
COLON_CODE = token_code(":")


@lru_cache(maxsize=256)
def _pair_literals_cached(kind: str, camp: str | None, via: tuple[str, ...]) -> tuple[str, ...]:
    return (f"kind:{kind}", f"camp:{camp}", *[f"via:{v}" for v in via])


def _pair_literals(kind: str, camp: str | None, via: tuple[str, ...]) -> list[str]:
    """What the pair says of its actor, whatever the sentence: kind, camp, how it was found."""
    return list(_pair_literals_cached(kind, camp, via))


@lru_cache(maxsize=1024)
def _cue_literals(label: str, right: bool, negated: bool, near: int, in_segment: bool, conditional: bool) -> tuple[str, ...]:
    """The features of one cue match: its label, side, negation, distance, segment, condition."""
    name = f"cue:{label}:{'R' if right else 'L'}" + (":neg" if negated else "")
    literals = (name, f"cue:{label}" + (":neg" if negated else ""), f"{name}:d{near}",
                name + (":seg" if in_segment else ":out"))
    return (*literals, name + ":cond") if conditional else literals


def _names(seq: list[str], shift: int, targets: list[int], ranges: list[int],
           points: list[tuple], literals: list[str], actor: str) -> list[str]:
    names = list(literals)
    for family, start, end in zip(ranges[::3], ranges[1::3], ranges[2::3], strict=True):
        prefix, n = PREFIXES[family], NGRAM_ORDER[family]
        if family == A:
            prefix += actor + ":"
        if n == 1:
            names += [prefix + token for token in seq[start:end]]
        else:
            names += [prefix + " ".join(seq[i:i + n]) for i in range(start, end - n + 1)]
    names += [PREFIXES[family] + " ".join(tokens) for family, *tokens in points]
    return names


def _cue_text(cue: str) -> str:
    """A cue as it appears in the token text: lower-case, except the placeholders."""
    return " ".join(word if word in TAGS else fold(word).lower() for word in cue.split())


def passthrough(features: list[str]) -> list[str]:
    """Analyzer for a scikit-learn vectorizer whose documents are already feature lists."""
    return features


TAGS = frozenset({"TGT", "PRO", "ANTI", "ACT"})


def _negate(seq: list[str]) -> list[str]:
    """Prefix up to three words after a negator with ``not_``, stopping at punctuation."""
    if NEGATORS.isdisjoint(seq) and "n't" not in "\x01".join(seq):  # most sentences
        return seq
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


def _between(marks: list[int], pos: int, shift: int, low: int, high: int) -> tuple[int, int]:
    """The stretch of a pair's sequence around ``pos`` that no mark interrupts, within
    ``[low, high)``: ``marks`` are template positions, ``shift`` places them in the sequence.
    The clause of the target (marks: clause breaks) or its comma-delimited segment."""
    i = bisect_left(marks, pos - shift)
    start = max(low, marks[i - 1] + 1 + shift) if i else low
    end = min(high, marks[i] + shift) if i < len(marks) else high
    return start, end


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
