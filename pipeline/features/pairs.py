"""Pairs and their features: :class:`Pair`, :func:`sentence_pairs` and :class:`PairFeatures`.

:class:`PairFeatures` names the features of a batch of pairs (``transform``) or gives
their keys (``encode``), both from one :func:`~pipeline.features.description.describe`
of the batch; it finds the target's cue phrases in each sentence's template
(:mod:`pipeline.features.template`) and numbers the literal features. This module changes
when pairs are made differently or a cue or literal feature is added; the overview of the
features is the package's (:mod:`pipeline.features`).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import product

import numpy as np

from pipeline.actors.coreference import mention_runs
from pipeline.actors.dictionary import ActorDictionary
from pipeline.actors.matcher import Mention
from pipeline.actors.text import fold
from pipeline.features.description import CUE_CODES, ROLE_LITERALS, describe
from pipeline.features.keys import EVENT, EVENT_PREFIX, MASK, MIX, MIX_CUBED, NONE, PREFIXES, feature_key, token_code
from pipeline.features.template import NEGATED, TAGS, Template, mask
from pipeline.lang import LanguagePack, english
from pipeline.lang.regex import trie_regex

EVENT_MIXED = np.uint64(EVENT * int(MIX) & MASK)  # EVENT times MIX, the first step of event_key
CHAIN_GAP = 3  # words between a cue and the cue it acts on ("condemned the new sanctions")
# Each literal feature (cue matches, roles, votes...) is counted twice, an n-gram once: with
# sublinear tf its value is 1 + ln 2 = 1.69 times an n-gram's, so that at the same
# regularisation the classifier leans on what carries over between events (the literals)
# more than on the words of the events it was trained on. Measured on the model trained on
# the other events: ../shared/eval 0.762 -> 0.810, ../shared/dev/bolivia-2019 0.643 -> 0.690.
LITERAL_COUNT = 2
INVERTED_VOTE_GAP = 4  # at most so far from a vote before it, an actor casts it ("voting in favour were TGT")


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
    side : str or None
        The target actor's side ("pro" or "anti") when it is one of the target's
        principals (see :func:`sentence_pairs`), else None.
    kind : str
        The target actor's kind.
    via : tuple of str
        How the target was found in this sentence ("name", "pronoun", "group", ...).
    target : str
        The name of the contested event whose corpus the pair comes from (training only:
        it picks the pair's cue phrases when one model learns from several events).
    motions : tuple of (text, mentions)
        The latest earlier sentences of the article that name something voted on ("the
        resolution", "the draft"), most recent first, with their mentions as in ``mentions``:
        what "voted for it" is a vote for, when the sentence does not say (see
        :func:`article_pairs`).
    """

    text: str
    actor: str
    mentions: tuple[tuple[int, int, str, str | None, int], ...]
    side: str | None = None
    kind: str = "country"
    via: tuple[str, ...] = ("name",)
    target: str = ""
    motions: tuple[tuple[str, tuple], ...] = ()


class PairFeatures:
    """Features of :class:`Pair` objects, as names (for training and reading) or as integer
    keys (for classifying fast).

    Parameters
    ----------
    cues : dict of str to sequence of str, optional
        Cue phrases per stance class (``{"support": [...], "oppose": [...], ...}``),
        matched as word prefixes in the target's clause.
    lang : LanguagePack, optional
        The tokeniser and word classes (negators, speech verbs, ...); English by default.
    event : str, optional
        A target name: every n-gram then also comes as that event's own copy
        (``ev:<event>/<name>``, keyed by :func:`~pipeline.features.keys.event_key`). None by
        default.

    Notes
    -----
    ``transform`` takes a sequence of n :class:`Pair` and returns a list of n lists of
    feature names (str), for a vectorizer with ``analyzer=passthrough``. ``encode`` returns
    the same features as two arrays, the row of each feature and its 64-bit key
    (:func:`feature_key` of its name), computed with NumPy rather than one Python string at
    a time, which the classifier looks up in a hash table of arrays (building ~100 strings
    per pair and looking them up in a dict was most of the classification time).

    Both come from one description of all the pairs given (each pair's masked token
    sequence as numbers, the n-gram ranges over it, explicit n-grams and literal features,
    found for every pair at once with NumPy), so names and keys always agree. Pairs of one
    sentence that share their ``mentions`` tuple (as :func:`sentence_pairs` makes them)
    share the work on the sentence: it is tokenised, masked and searched for cues once.
    """

    _literals_lock = threading.Lock()  # on the class, as TokenTable's: instances are pickled

    def __init__(self, cues: dict[str, Sequence[str]] | None = None, lang: LanguagePack | None = None,
                 event: str = "") -> None:
        self.cues = cues
        self.lang = lang or english()
        self.event = event
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
        self.literal_ids: dict[str, int] = {}
        self.literal_names: list[str] = []
        self.literal_key_list: list[int] = []
        self._literal_key_array = np.zeros(0, dtype=np.uint64)
        self._pair_literal_ids: dict[tuple, list[int]] = {}
        self._role_ids = np.array([self.literal_id(name) for name in ROLE_LITERALS], dtype=np.int64)
        self._others_ids = np.array([self.literal_id(name) for name in OTHERS], dtype=np.int64)
        words = self.lang.features
        self._vote_words = words.vote_verbs | words.abstentions | words.sponsorships
        self._motion_labels: dict[str, str] = {}
        self._cond_id, self._quote_id, self._heading_id, self._list_id, self._off_topic_id, self._urged_id = map(
            self.literal_id, ("cond", "has_quote", "role:heading", "role:list", "off_topic", "role:urged"))
        # The literals of a cue match, by the number of what they say (see ``_cue_code``),
        # padded with -1: label, side, negation, distance, segment, condition.
        self._cue_literal_table = np.full((len(self.cue_patterns_) * CUE_CODES, 5), -1, dtype=np.int64)
        for code, (label, *rest) in enumerate(product(range(len(self.cue_patterns_)), (False, True), (False, True),
                                                      (1, 2, 3), (False, True), (False, True))):
            ids = [self.literal_id(name) for name in _cue_literals(self.cue_patterns_[label][0], *rest)]
            self._cue_literal_table[code, :len(ids)] = ids

    def literal_id(self, name: str) -> int:
        """The number of a literal feature (its name and key are stored once)."""
        number = self.literal_ids.get(name)
        if number is None:
            with self._literals_lock:  # a Dask worker's threads share the pipeline: numbers must not collide
                number = self.literal_ids.get(name)
                if number is None:
                    self.literal_names.append(name)
                    self.literal_key_list.append(feature_key(name))
                    number = self.literal_ids[name] = len(self.literal_names) - 1
        return number

    def transform(self, X: Iterable[Pair]) -> list[list[str]]:
        X = list(X)
        names: list[list[str]] = [[] for _ in X]
        if not X:
            return names
        description = describe(self, X)
        for row, literal in zip(description.literal_rows.tolist(), description.literals.tolist(), strict=True):
            names[row] += [self.literal_names[literal]] * LITERAL_COUNT
        pool = description.tokens
        for grams in description.grams:
            rows, families = grams.rows, grams.families
            if grams.counts is not None:
                rows, families = np.repeat(rows, grams.counts), np.repeat(families, grams.counts)
            for row, family, *tokens in zip(rows.tolist(), families.tolist(), *(t.tolist() for t in grams.tokens),
                                            strict=True):
                name = PREFIXES[family] + " ".join(pool[t] for t in tokens if t != NONE)
                names[row].append(name)
                if self.event:
                    names[row].append(f"{EVENT_PREFIX}{self.event}/{name}")
        return names

    def encode(self, X: Sequence[Pair]) -> tuple[np.ndarray, np.ndarray]:
        """Features as keys.

        Returns
        -------
        rows : ndarray of shape (n_features_total,), int64
            Index of the pair each feature belongs to.
        keys : ndarray of shape (n_features_total,), uint64
            :func:`feature_key` of each feature's name.
        """
        if not len(X):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64)
        description = describe(self, X)
        literal_keys = self._literal_key_array
        if len(literal_keys) != len(self.literal_key_list):  # taken after the description's literals were numbered
            literal_keys = self._literal_key_array = np.array(self.literal_key_list, dtype=np.uint64)
        codes = description.codes
        all_rows = [description.literal_rows] * LITERAL_COUNT
        all_keys = [literal_keys[description.literals]] * LITERAL_COUNT
        for grams in description.grams:
            family_keys = grams.families.astype(np.uint64) * MIX_CUBED
            rows = grams.rows
            if grams.counts is not None:
                rows, family_keys = np.repeat(rows, grams.counts), np.repeat(family_keys, grams.counts)
            # _mix(family, a, b, c) is family * MIX**3 + a * MIX**2 + b * MIX + c (mod 2**64):
            # the table holds each token's code times each power.
            keys = family_keys
            for power, tokens in zip((2, 1, 0), grams.tokens, strict=False):
                keys = keys + codes[power][tokens]
            all_rows.append(rows)
            all_keys.append(keys)
            if self.event:  # event_key of each: _mix(EVENT, key, code of the event)
                all_rows.append(rows)
                all_keys.append(((EVENT_MIXED + keys) * MIX + np.uint64(token_code(self.event))) * MIX)
        return np.concatenate(all_rows), np.concatenate(all_keys)

    def _template(self, pair: Pair) -> Template:
        """The sentence masked for no target in particular (:func:`~pipeline.features.template.mask`),
        with its cue matches and chains found, and what it makes of some of its actors (their
        votes, being asked to act: ``marks``)."""
        plain, template = mask(pair, self.lang)
        tokens, slots = template.tokens, template.slots
        template.cues = cues = self.cue_matches(plain, tokens)
        template.chains = self._cue_chains(cues, tokens)
        marks = self.votes(tokens, slots, cues, pair.motions) if not self._vote_words.isdisjoint(tokens) else {}
        if not self.lang.features.urging_verbs.isdisjoint(tokens):
            for actor in self._urged(tokens, slots):
                marks[actor] = (*marks.get(actor, ()), self._urged_id)
        template.marks = marks
        return template

    def _urged(self, tokens: list[str], slots: dict[str, list[int]]) -> list[str]:
        """The actors asked or hoped to act by someone else ("Washington urged TGT to", "called
        on TGT to", "hopes TGT will"): the verb just before one of their slots, with a subject."""
        words = self.lang.features
        urged = []
        for actor, positions in slots.items():
            for at in positions:
                before = at - 1
                if before > 0 and tokens[before] in words.urging_particles:
                    before -= 1
                if before > 0 and tokens[before] in words.urging_verbs:
                    urged.append(actor)
                    break
        return urged

    def votes(self, tokens: list[str], slots: dict[str, list[int]], cues: list[tuple[int, int, int, bool]],
              motions: Sequence[tuple[str, tuple]] = ()) -> dict[str, tuple[int, ...]]:
        """The literal numbers of each actor's vote in a roll call: ``vote:for``,
        ``vote:against`` or ``vote:abstain``, and with the stance of what was voted on,
        ``vote:for:oppose`` ("voted for a resolution rejecting the result").

        A vote is that of the actor just before it ("Peru voted against") or, with none,
        just after it ("Abstaining were Brazil and Colombia"), with no other actor between.
        What was voted on takes the label of the first cue after the vote, else after a
        motion noun of the sentence, else of the article's latest motion (``motions``).
        """
        words = self.lang.features
        phrases: list[tuple[int, str]] = []
        for i, token in enumerate(tokens):
            if token in words.abstentions:
                phrases.append((i, "abstain"))
            elif token in words.sponsorships:
                phrases.append((i, "for"))
            elif token in words.vote_verbs and not (i and tokens[i - 1] in words.vote_determiners):
                for following in tokens[i + 1:i + 3]:
                    if following in words.vote_for or following in words.vote_against:
                        phrases.append((i, "for" if following in words.vote_for else "against"))
                        break
        if not phrases:
            return {}
        taken = sorted({p for positions in slots.values() for p in positions})
        votes = {}
        for actor, positions in slots.items():
            at = positions[0]
            others = [p for p in taken if p not in positions]
            after = next((v for v in phrases if v[0] > at), None)
            if after is not None and any(at < p < after[0] for p in others):
                after = None
            before = next((v for v in reversed(phrases) if v[0] < at), None)
            if before is not None and (at - before[0] > INVERTED_VOTE_GAP or any(before[0] < p < at for p in others)):
                before = None  # not "Abstaining were TGT" but, say, "voted for a text recognising TGT"
            vote = after or before
            if vote is None:
                continue
            # What this sentence says was voted on lies between the vote and the next actor or clause.
            limit = next((i for i in range(vote[0] + 1, len(tokens))
                          if i in others or tokens[i] in words.clause_breaks), len(tokens))
            label = self._motion_in(tokens, cues, vote[0], limit) or next(
                (found for found in (self._motion_label(text, mentions) for text, mentions in motions) if found), "")
            names = (f"vote:{vote[1]}", *([f"vote:{vote[1]}:{label}"] if label else []))
            votes[actor] = tuple(self.literal_id(name) for name in names)
        return votes

    def _motion_in(self, tokens: list[str], cues: list[tuple[int, int, int, bool]], after: int = -1,
                   limit: int | None = None) -> str:
        """The label of the first cue between positions ``after`` and ``limit``, else after the
        first motion noun there ("the resolution, which recognised ANTI"), else ""."""
        limit = len(tokens) if limit is None else limit
        # Cue matches come label by label: the first is the nearest.
        first = min((c for c in cues if after < c[0] < limit), default=None)
        if first is None:
            nouns = self.lang.features.motion_nouns
            noun = next((i for i in range(after + 1, limit) if tokens[i] in nouns), None)
            first = None if noun is None else min((c for c in cues if noun < c[0] < limit), default=None)
        return "" if first is None else self.cue_patterns_[first[2]][0]

    def _motion_label(self, text: str, mentions: tuple) -> str:
        """The stance of what an earlier sentence says was voted on (see :meth:`_motion_in`)."""
        label = self._motion_labels.get(text)
        if label is None:
            template = self._template(Pair(text, "", mentions))
            nouns = self.lang.features.motion_nouns
            noun = next((i for i, token in enumerate(template.tokens) if token in nouns), None)
            label = "" if noun is None else self._motion_in(template.tokens, template.cues, noun)
            if len(self._motion_labels) > 4096:  # articles come and go: keep the latest
                self._motion_labels.clear()
            self._motion_labels[text] = label
        return label

    def _cue_chains(self, cues: list[tuple[int, int, int, bool]], tokens: list[str]) -> list[tuple[int, int]]:
        """(position, literal number) of each cue acting on the cue just after it: "condemned
        the sanctions", "dismissed the fraud claims", "welcomed his resignation". A stance
        verb applied to a stance-laden thing reverses or confirms it, whoever acts; the
        literal says which labels meet (``cues:oppose>oppose``), for a target before them."""
        chains = []
        breaks = self.lang.features.clause_breaks
        for first, last, label, negated in cues:
            for other_first, _, other_label, _ in cues:
                gap = tokens[last + 1:other_first]
                if 0 <= other_first - last - 1 <= CHAIN_GAP and not any(t in breaks or t in TAGS for t in gap):
                    labels = self.cue_patterns_[label][0], self.cue_patterns_[other_label][0]
                    chains.append((first, self.literal_id(f"cues:{labels[0]}{':neg' if negated else ''}>{labels[1]}")))
                    break
        return chains

    def cue_matches(self, plain: list[str], tokens: list[str]) -> list[tuple[int, int, int, bool]]:
        """(first token, last token, label, negated) of each cue phrase in the sentence
        (``plain``: its tokens before negation marking; ``tokens``: after); ``label`` is the
        number of the label in ``cue_patterns_``."""
        if not self.cue_patterns_:
            return []
        text = " ".join(plain)
        starts = [match.start() for match in self._cue_starts.finditer(text)]
        if not starts:
            return []
        matches = []
        negators = self.lang.features.negators
        for label, (_, pattern) in enumerate(self.cue_patterns_):
            # What ``pattern.finditer(text)`` gives, tried only where some cue starts: the
            # leftmost match, then the next one from where it ends.
            end = 0
            for start in starts:
                match = pattern.match(text, start) if start >= end else None
                if match is None:
                    continue
                end = match.end()
                # Tokens hold no space and are joined by one: a token's number is the spaces before it.
                first = text.count(" ", 0, start)
                last = first + text.count(" ", start, end - 1)
                negated = tokens[first].startswith(NEGATED) or (first > 0 and tokens[first - 1] in negators)
                matches.append((first, last, label, negated))
        return matches


OTHERS = tuple(f"others:{n}" for n in range(4))  # how many other actors the sentence names, at most 3


@lru_cache(maxsize=1024)
def _cue_literals(label: str, right: bool, negated: bool, near: int, in_segment: bool, conditional: bool) -> tuple[str, ...]:
    """The features of one cue match: its label, side, negation, distance, segment, condition."""
    name = f"cue:{label}:{'R' if right else 'L'}" + (":neg" if negated else "")
    literals = (name, f"cue:{label}" + (":neg" if negated else ""), f"{name}:d{near}",
                name + (":seg" if in_segment else ":out"))
    return (*literals, name + ":cond") if conditional else literals


def _cue_text(cue: str) -> str:
    """A cue as it appears in the token text: lower-case, except the placeholders."""
    return " ".join(word if word in TAGS else fold(word).lower() for word in cue.split())


def passthrough(features: list[str]) -> list[str]:
    """Analyzer for a scikit-learn vectorizer whose documents are already feature lists."""
    return features


def article_pairs(texts: Sequence[str], mentions: Sequence[Sequence[Mention]], dictionary: ActorDictionary,
                  principals: Collection[str] = (), lang: LanguagePack | None = None) -> list[list[Pair]]:
    """The pairs of each sentence of one article (``texts`` in order, ``mentions`` of each),
    as :func:`sentence_pairs`, each carrying the article's latest sentences that name
    something voted on (:attr:`Pair.motions`), so that "Peru voted for it" can read what
    "it" demanded two sentences earlier.
    """
    names_motion = _motion_pattern((lang or english()).features.motion_nouns)
    motions: tuple[tuple[str, tuple], ...] = ()
    out = []
    for text, found in zip(texts, mentions, strict=True):
        pairs = sentence_pairs(text, found, dictionary, principals, lang, motions)
        out.append(pairs)
        if names_motion is not None and names_motion.search(text):
            shared = pairs[0].mentions if pairs else ()
            motions = ((text, shared), *motions)[:MOTIONS_KEPT]
    return out


MOTIONS_KEPT = 2  # earlier sentences naming a motion that a vote may refer to


@lru_cache(maxsize=8)
def _motion_pattern(nouns: frozenset[str]) -> re.Pattern[str] | None:
    """Finds a sentence that names something voted on (one search, not a tokenisation)."""
    return re.compile(r"\b(?:" + trie_regex(nouns) + r")\b", re.IGNORECASE) if nouns else None


def sentence_pairs(text: str, mentions: Sequence[Mention], dictionary: ActorDictionary,
                   principals: Collection[str] = (), lang: LanguagePack | None = None,
                   motions: tuple[tuple[str, tuple], ...] = ()) -> list[Pair]:
    """One :class:`Pair` per actor mentioned in a sentence.

    Parameters
    ----------
    text : str
        The sentence.
    mentions : sequence of Mention
        Its resolved mentions (named and coreferent), sorted by offset.
    dictionary : ActorDictionary
        For each actor's camp (which tags the *other* actors of the sentence) and kind.
    principals : collection of str, optional
        The target's principals (see :attr:`TargetConfig.principals`): only these pairs
        carry their own side.
    lang : LanguagePack, optional
        What joins a coordinated list ("and", "or"); English by default.
    motions : tuple of (text, mentions), optional
        See :attr:`Pair.motions` and :func:`article_pairs`.
    """
    # Mentions of one coordinated list, or of one span (a group phrase), share a run id.
    run_of: dict[tuple[int, int], int] = {}
    rules = (lang or english()).coreference
    for number, run in enumerate(mention_runs(text, mentions, rules)):
        for m in run:
            run_of.setdefault((m.start, m.end), number)
    shared = tuple((m.start, m.end, m.actor, dictionary[m.actor].camp, run_of.get((m.start, m.end), -1))
                   for m in mentions)
    by_actor: dict[str, list[str]] = {}
    for m in mentions:
        by_actor.setdefault(m.actor, []).append(m.via)
    return [
        Pair(text, actor, shared, dictionary[actor].camp if actor in principals else None, dictionary[actor].kind,
             tuple(dict.fromkeys(vias)), motions=motions)
        for actor, vias in by_actor.items()
    ]
