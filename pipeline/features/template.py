"""The sentence template: a sentence's tokens with its actors masked for no target in particular.

A sentence is tokenised once, with every actor mention replaced by a placeholder
(:func:`tokenize_with_mentions`); :func:`mask` then turns each placeholder into the tag of
its actor's camp (``PRO``, ``ANTI``, or ``ACT``), collapses a coordinated list into one
slot, and marks negation scopes (:func:`negate`). Every pair of the sentence reads the
same :class:`Template`, with ``TGT`` put at its own actor's slots by
:func:`~pipeline.features.description.describe`.

This module changes when the tokens a sentence becomes change (tokeniser, masking,
negation); what is read off them is :mod:`pipeline.features.description`, and the cue
matches that complete a template are :class:`~pipeline.features.pairs.PairFeatures`'.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipeline.actors.text import fold
from pipeline.lang import FeatureWords, LanguagePack, english

if TYPE_CHECKING:  # annotations only: pipeline.features.pairs imports this module
    from pipeline.features.pairs import Pair

TAGS = frozenset({"TGT", "PRO", "ANTI", "ACT"})


@dataclass(slots=True)
class Template:
    """A sentence masked for no target in particular (see :func:`mask`).

    Attributes
    ----------
    tokens : list of str
        The masked tokens, negation marked (``not_`` prefixes).
    slots : dict of str to list of int
        Per actor, the positions of the slots it is in.
    listed : set of str
        Actors sharing a slot with others (a list or a group phrase).
    heading : set of str
        Actors named by a heading governing the sentence (mentions without a span).
    n_slots : int
        How many slots (lists count once) the sentence has.
    has_quote : bool
        Whether the sentence holds a quotation mark.
    cues : list of (int, int, int, bool)
        (first, last, label number, negated) of each cue match, see
        :meth:`PairFeatures.cue_matches <pipeline.features.pairs.PairFeatures.cue_matches>`.
    chains : list of (int, int)
        (position, literal number) of each cue acting on the next, see
        :meth:`PairFeatures._cue_chains <pipeline.features.pairs.PairFeatures._cue_chains>`.
    marks : dict of str to tuple of int
        Per actor, the literal numbers of what the sentence makes of it: its vote in a roll
        call (:meth:`PairFeatures.votes <pipeline.features.pairs.PairFeatures.votes>`),
        ``role:urged`` (asked or hoped to act by someone else).
    """

    tokens: list[str]
    slots: dict[str, list[int]]
    listed: set[str]
    heading: set[str]
    n_slots: int
    has_quote: bool
    cues: list[tuple[int, int, int, bool]] = field(default_factory=list)
    chains: list[tuple[int, int]] = field(default_factory=list)
    marks: dict[str, tuple[int, ...]] = field(default_factory=dict)


def tokenize_with_mentions(text: str, mentions: Sequence[tuple], lang: LanguagePack | None = None) -> list[str]:
    """Lower-case tokens of ``text`` with mention ``i`` replaced by the token ``"\\x00i\\x00"``.

    Mentions that share a span (a group phrase standing for several actors) share one
    placeholder per actor, adjacent in the token list. ``lang`` gives the tokeniser and the
    dateline pattern (English by default).
    """
    lang = lang or english()
    dateline = lang.coreference.dateline.match(text)
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
    return lang.features.token.findall(fold("".join(pieces)).lower())


def mask(pair: Pair, lang: LanguagePack | None = None) -> tuple[list[str], Template]:
    """The template of ``pair``'s sentence, its cue matches not yet found.

    Each list or group phrase becomes one slot, tagged with its members' camp (``ACT``
    when they differ); a mention without a span (a heading's) gets no slot.

    Returns
    -------
    plain : list of str
        The masked tokens before negation marking (cue phrases are matched on these).
    template : Template
        With empty ``cues`` and ``chains``.
    """
    lang = lang or english()
    tokens: list[str] = []
    slots: dict[str, list[int]] = {}
    members: list[tuple[int, list[str], list[str]]] = []  # (position, tags, actors) per slot
    heading: set[str] = set()
    run = None
    raw = tokenize_with_mentions(pair.text, pair.mentions, lang)
    words = lang.features
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
    plain, tokens = tokens, negate(tokens, words)
    return plain, Template(tokens, slots, listed, heading, len(members), not words.quotes.isdisjoint(tokens))


NEGATED = "not_"  # the prefix of a token in a negation's scope


def negate(seq: list[str], words: FeatureWords | None = None) -> list[str]:
    """Prefix up to three words after a negator with ``not_``, stopping at punctuation."""
    w = words or english().features
    negators, suffix = w.negators, w.negation_suffix
    if negators.isdisjoint(seq) and suffix not in "\x01".join(seq):  # most sentences
        return seq
    punct, breaks = w.punct, w.clause_breaks
    out = []
    scope = 0
    for token in seq:
        if token in punct or token in breaks:
            scope = 0
            out.append(token)
        elif token in negators or token.endswith(suffix):
            scope = 3
            out.append(token)
        elif scope and token not in TAGS:
            out.append(NEGATED + token)
            scope -= 1
        else:
            out.append(token)
    return out
