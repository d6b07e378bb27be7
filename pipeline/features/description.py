"""The description of a batch of pairs with NumPy: the arrays behind both the feature
names (:meth:`PairFeatures.transform`) and their keys (:meth:`PairFeatures.encode`).

Every pair's masked token sequence is laid out in one array of positions; clauses,
comma segments, windows, the target's role, cue matches and n-gram ranges are then found
for every pair at once. This module changes when a feature family is added or computed
differently; what the words and templates are is :mod:`pipeline.features.template`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from typing import TYPE_CHECKING

import numpy as np

from pipeline.features.keys import (
    ACCORDING,
    BEFORE_SPEAKER,
    BREAK,
    BY,
    C1,
    C2,
    COLON,
    COMMA,
    CONDITION,
    COPULA,
    END,
    L1,
    L2,
    LR,
    NON_FILLER,
    NONE,
    POSSESSIVE,
    PREPOSITION,
    QUOTE,
    R1,
    R2,
    R3,
    SPEECH_WORD,
    START,
    TGT,
    TO,
    G,
    L,
    R,
    TokenTable,
)
from pipeline.features.template import NEGATED

if TYPE_CHECKING:  # annotations only: pipeline.features.pairs imports this module
    from pipeline.features.pairs import Pair, PairFeatures
    from pipeline.features.template import Template

WINDOW_LEFT, WINDOW_RIGHT = 6, 10


def describe(features: PairFeatures, X: Sequence[Pair]) -> Description:
    """The features of the pairs ``X`` as token indices and literal numbers.

    ``features`` gives the templates of the sentences (:meth:`PairFeatures._template`)
    and numbers the literal features (:meth:`PairFeatures.literal_id`).

    Every pair's token sequence (its sentence's template with ``TGT`` at the target's
    slots, or ``["TGT", ":", *tokens]`` when only a heading names the target) is laid out
    in one array of positions, each holding the number of its token in the process's
    :class:`~pipeline.features.keys.TokenTable`. Clauses, segments, windows and roles are then found for every
    target position at once with NumPy; only cue matches are walked in Python.
    """
    table = TokenTable.current(features.lang)
    # Templates are keyed by the identity of the pairs' mentions, kept alive beside them:
    # an id can only be reused once its object is gone, so a key never means another sentence.
    templates: dict[int, tuple[tuple, Template, int]] = {}
    # Per template (sentence): its token numbers, and what its pairs read off it.
    template_ids: list[list[int]] = []
    template_info: list[tuple[int, int, int, bool]] = []  # tokens, slots, cue matches, has a quote
    cues: list[tuple[int, int, int, bool]] = []  # of all templates, in order
    # Per pair: its template, its target's slots (or ``(0,)`` with the heading shift), ...
    template_of: list[int] = []
    targets_of: list[Sequence[int]] = []
    shifted: list[bool] = []
    pair_literals: list[list[int]] = []
    flagged: list[tuple[int, int]] = []  # (row, literal) for role:heading and role:list
    literal_ids, known_literals = features.literal_id, features._pair_literal_ids
    topic = features.lang.features.topic
    for row, pair in enumerate(X):
        entry = templates.get(id(pair.mentions))
        if entry is None:
            template = features._template(pair)
            entry = templates[id(pair.mentions)] = (pair.mentions, template, len(template_info))
            template_ids.append(table.ids_of(template.tokens))
            # Off topic: no cue word, neither side named and nothing of a dispute over power, negated
            # or not ("ACT warned of heavy rain"; "signs a rice deal with ACT"; not "did not protest").
            off_topic = (not template.cues and "PRO" not in template.tokens and "ANTI" not in template.tokens
                         and (topic is None or not topic.search(" ".join(template.tokens).replace(NEGATED, ""))))
            template_info.append((len(template.tokens), template.n_slots, len(template.cues), template.has_quote,
                                  off_topic))
            cues += template.cues
        _, template, number = entry
        template_of.append(number)
        targets = template.slots.get(pair.actor)
        shifted.append(not targets)  # named only by a heading: the whole sentence is its clause
        targets_of.append(targets or (0,))
        key = (pair.kind, pair.side, pair.via)
        ids = known_literals.get(key)
        if ids is None:
            ids = known_literals[key] = [literal_ids(name) for name in _pair_literals(*key)]
        pair_literals.append(ids)
        if template.heading and pair.actor in template.heading:
            flagged.append((row, features._heading_id))
        if template.listed and pair.actor in template.listed:
            flagged.append((row, features._list_id))
        for literal in template.marks.get(pair.actor, ()):
            flagged.append((row, literal))

    codes, token_flags_, tokens = table.snapshot()
    n_tokens, n_slots, n_cues, has_quote, off_topic = np.array(template_info, dtype=np.int64).reshape(-1, 5).T
    template_of_ = np.array(template_of)
    shifts = 2 * np.array(shifted, dtype=np.int64)
    lengths_ = n_tokens[template_of_] + shifts
    ends_ = np.cumsum(lengths_)
    starts_ = ends_ - lengths_  # where each pair's sequence starts among all positions
    position = int(ends_[-1])
    # Each position's token: the template's, then TGT at the targets (and ":" after a heading's).
    first_token = np.cumsum(n_tokens) - n_tokens
    pool = np.fromiter(chain.from_iterable(template_ids), dtype=np.int64, count=int(n_tokens.sum()))
    from_pool = np.repeat(first_token[template_of_] - shifts - starts_, lengths_)
    from_pool += np.arange(position)
    pool_of = np.full(position + 4, NONE)  # 4 positions past the end, for the neighbours of the last
    pool_of[:position] = pool[np.maximum(from_pool, 0)]  # a heading's first two are overwritten below
    pool_of[starts_[shifts > 0] + 1] = COLON
    target_counts = np.fromiter(map(len, targets_of), dtype=np.int64, count=len(targets_of))
    target_at = np.repeat(starts_, target_counts) + np.fromiter(chain.from_iterable(targets_of), dtype=np.int64,
                                                                 count=int(target_counts.sum()))
    pool_of[target_at] = TGT
    flags = token_flags_[pool_of]
    # The targets described: the first three of each pair.
    described = (np.arange(len(target_at)) - np.repeat(np.cumsum(target_counts) - target_counts, target_counts)) < 3
    at = target_at[described]
    rows = np.repeat(np.arange(len(X)), target_counts)[described]
    low = starts_[rows]
    high = low + lengths_[rows]
    # Clause: the stretch around the target that no clause break interrupts.
    start, end = _stretch(np.flatnonzero(flags & BREAK), at, low, high)
    segment_start, segment_end = _stretch(np.flatnonzero(flags & COMMA), at, start, end)
    # What the pair says of itself and its sentence.
    literal_counts = np.fromiter(map(len, pair_literals), dtype=np.int64, count=len(pair_literals))
    others = np.minimum(n_slots[template_of_] - target_counts + shifts // 2, 3)
    quoted = np.flatnonzero(has_quote[template_of_])
    unrelated = np.flatnonzero(off_topic[template_of_])
    flagged_rows, flagged_ids = np.array(flagged, dtype=np.int64).reshape(-1, 2).T
    literal_rows_ = [np.repeat(np.arange(len(X)), literal_counts), np.arange(len(X)), quoted, flagged_rows, unrelated]
    literals_ = [np.fromiter(chain.from_iterable(pair_literals), dtype=np.int64, count=int(literal_counts.sum())),
                 features._others_ids[others], np.full(len(quoted), features._quote_id), flagged_ids,
                 np.full(len(unrelated), features._off_topic_id)]
    left, right = np.maximum(start, at - WINDOW_LEFT), np.minimum(end, at + 1 + WINDOW_RIGHT)
    has_prev1, has_prev2, has_next1, has_next2 = at - 1 >= left, at - 2 >= left, at + 1 < right, at + 2 < right
    prev1 = np.where(has_prev1, pool_of[at - 1], START)
    prev2 = np.where(has_prev2, pool_of[at - 2], START)
    next1 = np.where(has_next1, pool_of[at + 1], END)
    next2 = np.where(has_next2, pool_of[at + 2], END)
    flags_prev1 = np.where(has_prev1, flags[at - 1], 0)
    flags_prev2 = np.where(has_prev2, flags[at - 2], 0)
    flags_next1 = np.where(has_next1, flags[at + 1], 0)
    # A clause is described once per pair, by its first target (a pair has at most
    # three). Positions are those of all the pairs: a clause of one pair is never another's.
    clause = start * len(pool_of) + end
    new = np.ones(len(at), dtype=bool)
    new[1:] = clause[1:] != clause[:-1]
    new[2:] &= clause[2:] != clause[:-2]
    conditional = _marks_between(flags & CONDITION, start, end) > 0
    # The predicate of a copula ("countries that reject the result are TGT"): the cues
    # before it are read as the actor's own, as if after it.
    predicate = (flags_prev1 & COPULA) != 0
    roles = np.stack([
        _marks_between(flags & NON_FILLER, left, at) == 0,  # role:clause_start
        (flags_prev1 & BY) != 0,
        ((flags_prev1 & TO) != 0) & ((flags_prev2 & ACCORDING) != 0),
        (flags_prev1 & PREPOSITION) != 0,
        (flags_next1 & POSSESSIVE) != 0,
        (_marks_between(flags & SPEECH_WORD, at + 1, np.minimum(right, at + 4)) > 0)
        | (((flags_prev1 & SPEECH_WORD) != 0) & ((flags_prev2 & BEFORE_SPEAKER) != 0)),
        _marks_between(flags & QUOTE, low, at) % 2 == 1,  # role:in_quote
        predicate,
    ])
    which, entries = np.nonzero(roles)
    new_conditional = np.flatnonzero(new & conditional)
    literal_rows_ += [rows[entries], rows[new_conditional]]
    literals_ += [features._role_ids[which], np.full(len(new_conditional), features._cond_id)]
    if cues:
        # Each cue match of the sentence, for each new clause of its pairs.
        per_entry = np.where(new, n_cues[template_of_[rows]], 0)
        entry = np.repeat(np.arange(len(at)), per_entry)
        first_cue = np.cumsum(n_cues) - n_cues
        match = (np.repeat(first_cue[template_of_[rows]] - (np.cumsum(per_entry) - per_entry), per_entry)
                 + np.arange(len(entry)))
        cue_first, cue_last, cue_label, cue_negated = np.array(cues, dtype=np.int64).T
        origin = starts_[rows[entry]] + shifts[rows[entry]]  # where the pair's template starts
        first_at, last_at = cue_first[match] + origin, cue_last[match] + origin
        inside = ((first_at >= start[entry]) & (last_at < end[entry])
                  & (_marks_between(pool_of == TGT, first_at, last_at + 1) == 0))  # no target in the cue
        entry, match, first_at = entry[inside], match[inside], first_at[inside]
        distance = np.abs(first_at - at[entry])
        code = _cue_code(cue_label[match], (first_at > at[entry]) | predicate[entry], cue_negated[match] != 0,
                         1 + (distance > 3) + (distance > 8),
                         (segment_start[entry] <= first_at) & (first_at < segment_end[entry]), conditional[entry])
        ids = features._cue_literal_table[code]
        kept = ids >= 0
        literal_rows_.append(np.repeat(rows[entry], kept.sum(axis=1)))
        literals_.append(ids[kept])
    if any(templates_chains := [entry[1].chains for entry in templates.values()]):
        # Chains are rare (a few sentences in a hundred): walked in Python, for each
        # pair's first target, when the chain follows it in its clause.
        chains_of = [None] * len(templates_chains)
        for _, template, number in templates.values():
            chains_of[number] = template.chains
        first = np.ones(len(at), dtype=bool)
        first[1:] = rows[1:] != rows[:-1]
        chain_rows, chain_ids = [], []
        for e in np.flatnonzero(first).tolist():
            row = int(rows[e])
            chains = chains_of[template_of[row]]
            if chains:
                origin = int(starts_[row] + shifts[row])
                for position, literal in chains:
                    if at[e] < position + origin < end[e]:
                        chain_rows.append(row)
                        chain_ids.append(literal)
        literal_rows_.append(np.array(chain_rows, dtype=np.int64))
        literals_.append(np.array(chain_ids, dtype=np.int64))

    # N-grams: ranges of positions (clause, segment, windows), and the target's neighbours.
    new_at = np.flatnonzero(new)
    unigrams = _ranges(pool_of, 1,
                       np.repeat(np.array([C1, G, L, R]), [len(new_at), len(new_at), len(at), len(at)]),
                       np.concatenate([rows[new_at], rows[new_at], rows, rows]),
                       np.concatenate([start[new_at], segment_start[new_at], left, at + 1]),
                       np.concatenate([end[new_at], segment_end[new_at], at, right]))
    bigrams = _ranges(pool_of, 2, np.full(len(new_at), C2), rows[new_at], start[new_at], end[new_at])
    r3 = np.flatnonzero(right - at > 3)
    n = len(at)
    none = np.full(n, NONE)
    neighbours = Grams(
        np.concatenate([np.tile(rows, 5), rows[r3]]),
        np.concatenate([np.repeat(np.array([L1, L2, R1, R2, LR]), n), np.full(len(r3), R3)]),
        None,
        (np.concatenate([prev1, prev2, next1, next1, prev1, pool_of[at[r3] + 1]]),
         np.concatenate([none, prev1, none, next2, np.full(n, TGT), pool_of[at[r3] + 2]]),
         np.concatenate([none, none, none, none, next1, pool_of[at[r3] + 3]])),
    )
    return Description(tokens, codes, [unigrams, bigrams, neighbours],
                        np.concatenate(literal_rows_), np.concatenate(literals_))


@dataclass(slots=True)
class Grams:
    """N-gram features: ``rows`` (pairs) and ``families`` per range of positions, ``counts``
    n-grams in each (None: one each), ``tokens`` the pool indices of each n-gram's first,
    second, ... token, one array per token."""

    rows: np.ndarray
    families: np.ndarray
    counts: np.ndarray | None
    tokens: tuple[np.ndarray, ...]


@dataclass(slots=True)
class Description:
    """The features of a batch of pairs (see :func:`describe`): n-grams of
    tokens, each token its number in the :class:`~pipeline.features.keys.TokenTable`, and literal features as rows
    and literal numbers (see :meth:`PairFeatures.literal_id`)."""

    tokens: list[str | None]  # of the token table, by number
    codes: np.ndarray  # of the token table, times MIX**0, MIX**1, MIX**2: shape (3, n_tokens), uint64
    grams: list[Grams]
    literal_rows: np.ndarray
    literals: np.ndarray


# The literal features of a target's role, in the order of the rows of ``roles`` in
# :func:`describe`.
ROLE_LITERALS = ("role:clause_start", "role:by_agent", "role:source", "role:prep_object", "role:possessive",
                 "role:speaker", "role:in_quote", "role:predicate")


def _pair_literals(kind: str, side: str | None, via: tuple[str, ...]) -> tuple[str, ...]:
    """What the pair says of its actor, whatever the sentence: its kind, its side if it is a
    principal of the target, how it was found."""
    return (f"kind:{kind}", *([f"principal:{side}"] if side else []), *[f"via:{v}" for v in via])


CUE_CODES = 2 * 2 * 3 * 2 * 2  # what a cue match may say, for each label


def _cue_code(label: np.ndarray, right: np.ndarray, negated: np.ndarray, near: np.ndarray, in_segment: np.ndarray,
              conditional: np.ndarray) -> np.ndarray:
    """The row of ``PairFeatures._cue_literal_table`` holding the literals of cue matches:
    the arguments of :func:`pipeline.features.pairs._cue_literals` (``near`` 1 to 3), numbered in the order of
    ``itertools.product``."""
    return ((((label * 2 + right) * 2 + negated) * 3 + near - 1) * 2 + in_segment) * 2 + conditional


def _stretch(marks: np.ndarray, at: np.ndarray, low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each position ``at``, the stretch of positions around it that no mark interrupts,
    within ``[low, high)``: the clause of a target (marks: clause breaks) or its
    comma-delimited segment.

    Parameters
    ----------
    marks : ndarray of shape (n_marks,)
        Marked positions, sorted; no position ``at`` is marked.
    at, low, high : ndarray of shape (n,)

    Returns
    -------
    start, end : ndarray of shape (n,)
    """
    bounds = np.concatenate([[-1], marks, [np.iinfo(np.int64).max]])
    following = np.searchsorted(bounds, at)
    return np.maximum(bounds[following - 1] + 1, low), np.minimum(bounds[following], high)


def _marks_between(flags: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """How many positions with non-zero ``flags`` each stretch ``[start, end)`` holds (0 if empty).

    Parameters
    ----------
    flags : ndarray of shape (n_positions,)
    start, end : ndarray of shape (n,)
    """
    marks = np.flatnonzero(flags)
    return np.maximum(np.searchsorted(marks, end) - np.searchsorted(marks, start), 0)


def _ranges(pool_of: np.ndarray, order: int, families: np.ndarray, rows: np.ndarray, start: np.ndarray,
            end: np.ndarray) -> Grams:
    """Every n-gram of ``order`` tokens within each range of positions ``[start, end)``."""
    counts = np.maximum(end - start - (order - 1), 0)
    total = int(counts.sum())
    # Each range's start, repeated, plus a running index that restarts at each range.
    positions = np.repeat(start - (np.cumsum(counts) - counts), counts) + np.arange(total)
    return Grams(rows, families, counts, tuple(pool_of[positions + i] for i in range(order)))
