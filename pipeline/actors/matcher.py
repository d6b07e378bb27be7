"""Named mentions: :class:`ActorMatcher` finds the dictionary's actors in text.

It matches aliases, demonym phrases and capitals (:class:`AliasTrie`), and tells a
country named as a venue from one that acts. :class:`Mention` is what every later stage
reads. This module changes when matching names does; the dictionary is
:mod:`pipeline.actors.dictionary`, mentions made without a name
:mod:`pipeline.actors.coreference`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import accumulate

from pipeline.actors.dictionary import ActorDictionary
from pipeline.actors.text import fold
from pipeline.lang import ActorRules, LanguagePack, english
from pipeline.lang.regex import trie_regex


def after_former(text: str, start: int, rules: ActorRules | None = None) -> bool:
    """Whether "former", "ex-", "then-", "late", "incoming" or "newly elected" (the pack's
    ``former``) comes right before ``start`` (spaces between allowed). Only the few
    characters before it are searched, not the whole text before each mention."""
    rules = rules or english().actors
    stop = start
    while stop and text[stop - 1].isspace():
        stop -= 1
    return rules.former.search(text, max(0, stop - rules.former_reach), stop) is not None


@dataclass(frozen=True)
class Mention:
    """An actor mentioned in a sentence.

    ``start``/``end`` are offsets in the sentence text (equal for a mention without a
    span, such as one inherited from a list heading). ``via`` says how it was found:
    ``name``, ``reference`` (a shared short reference such as "the bloc" pointed at the
    actor named just before), ``pronoun``, ``group``, ``government``, ``heading`` or
    ``venue`` (a country or city named as the place where something happens: "speaking
    from the Dominican Republic", "talks in Doha": no stance of its own).
    """

    actor: str
    start: int
    end: int
    text: str
    via: str = "name"


class ActorMatcher:
    """Find named mentions of dictionary actors in text.

    Matching is whole-word, case-sensitive (so the pronoun "us" never matches "US") and
    accent-insensitive; an alias starting in lower case also matches capitalised ("The
    bloc", "Opposition leaders"). The longest alias wins ("Colombian President" is one
    mention, "Chávez's successor" is Maduro, not Chávez); a shared reference ("the bloc")
    goes to the first actor listing it (:class:`Coreference` may point it elsewhere), and
    the dictionary's ``ignore`` phrases win like aliases but name nobody
    ("Washington Post", "Latin American leaders"). A line in capitals ("BRAZIL AND
    COLOMBIA", a factbox heading) is matched without case, except for forms that are
    common words in lower case ("US"). Country and organisation mentions right after
    "former" are dropped: a former official speaks for himself, not for his country.
    """

    def __init__(self, dictionary: ActorDictionary, lang: LanguagePack | None = None) -> None:
        self.dictionary = dictionary
        self.lang = lang or english()
        rules = self.rules = self.lang.actors
        self._owner: dict[str, str | None] = {}
        upper: dict[str, str | None] = {}
        for actor in dictionary:
            for form in actor.surface_forms(rules):
                for variant in _variants(fold(form)):
                    self._owner[variant] = actor.name
                    if variant.lower() not in rules.stop_aliases:
                        key = variant.upper()
                        # Two actors with the same capitalised form: neither, in capitals.
                        upper[key] = actor.name if upper.get(key, actor.name) == actor.name else None
        # "the country's armed forces" is "the armed forces": a home body named by a generic
        # reference (only where no actor claims the phrase).
        article = len(rules.article)
        for actor in dictionary:
            if actor.kind in ("institution", "group"):
                for alias in actor.aliases:
                    if (alias.startswith(rules.article) and alias[article:article + 1].islower()
                            and not alias.startswith(rules.home_noun)):
                        for variant in _variants(fold(rules.home_noun + rules.home_possessive + alias[article:])):
                            self._owner.setdefault(variant, actor.name)
        for phrase, actors in dictionary.references().items():
            for variant in _variants(phrase):
                self._owner[variant] = actors[0]
                upper[variant.upper()] = actors[0]
        for phrase in dictionary.ignore:
            for variant in _variants(fold(phrase)):
                self._owner[variant] = None
                upper[variant.upper()] = None
        self._upper_owner = upper
        self._aliases = AliasTrie(self._owner, rules.phrase_end)
        self._upper_aliases: AliasTrie | None = None  # built on the first line in capitals

    def find(self, text: str) -> list[Mention]:
        """Named mentions in ``text``, in order, with offsets into ``text``."""
        folded = fold(text)
        aliases, owner = self._aliases, self._owner
        if _in_capitals(text):
            if self._upper_aliases is None:
                self._upper_aliases = AliasTrie(self._upper_owner, self.rules.phrase_end)
            aliases, owner = self._upper_aliases, self._upper_owner
        mentions = []
        rules = self.rules
        for start, end, alias in aliases.finditer(folded):
            name = owner[alias]
            if name is None:
                continue
            kind = self.dictionary[name].kind
            if kind in ("country", "organisation") and after_former(folded, start, rules):
                continue
            if kind == "person" and (_COMPOUND.match(text, end) or (
                    " " not in alias and _inside_other_name(text, start, end, rules))):
                continue  # part of a longer name: "González-Olaechea", "Carlos Gil"
            place = kind == "country" or (kind == "institution" and rules.place_name.fullmatch(text, start, end) is not None)
            via = "venue" if place and _is_venue(text, start, end, rules) else "name"
            mentions.append(Mention(name, start, end, text[start:end], via))
        return mentions


# A capitalised word next to a one-word surname makes it another person's name ("Carlos Gil" is
# not Yván Gil), unless it is a title, a weekday or month, or the text is a title-case headline.
_WORD_BEFORE = re.compile(r"(?<![\w'.-])([A-Z][\w'-]*)\s+$")
_WORD_AFTER = re.compile(r"\s+([A-Z][^\W\d_][\w'-]*)")


def _inside_other_name(text: str, start: int, end: int, rules: ActorRules) -> bool:
    """Whether a one-word surname alias at ``[start, end)`` is part of an unknown longer name."""
    before = _WORD_BEFORE.search(text, max(0, start - 30), start)
    after = _WORD_AFTER.match(text, end)
    if before is None and after is None:  # the usual case
        return False
    if before is not None and (before[1] in rules.not_first_names or before[1].endswith("'s")
                               or not text[:before.start()].strip(" \"'“‘(")):
        before = None  # a title, a possessive, the sentence's first word ("Later Gil said", "What Trump's win")
    if after is not None and (after[1] in rules.not_first_names or after[1].endswith("'s") or not after[1][1].islower()):
        after = None
    if before is None and after is None:
        return False
    return not _title_case(text)


def _title_case(text: str) -> bool:
    """A title-case headline ("Brazil Urges Maduro To Publish Results"): most words capitalised."""
    words = text.split()
    return len(words) >= 3 and sum(w[:1].isupper() for w in words) >= 0.7 * len(words)


def _is_venue(text: str, start: int, end: int, rules: ActorRules) -> bool:
    """Whether the country or city at ``[start, end)`` is named as the place where something
    happens ("speaking from the Dominican Republic", "the talks in Doha"): "in Brazil's
    view" is the actor, and so is a government phrase ("in the Mexican government")."""
    named = text[start:end]
    if named.startswith((rules.article, rules.article.capitalize())):
        named = named[len(rules.article):]
    if not named[:1].isupper() or (any(w[:1].islower() for w in named.split()[1:]) and "'" not in named):
        return False
    if rules.venue_after.match(text, end) or not rules.venue_preposition.search(text, max(0, start - 12), start):
        return False  # most mentions: no preposition just before, no need for the full pattern
    before = rules.venue_before.search(text, max(0, start - rules.venue_reach), start)
    if before is None:
        return False
    noun = (before["noun"] or "").lower()
    if noun in rules.posted_nouns and _POSTED_BY.search(text, max(0, before.start("noun") - 30), before.start("noun")):
        return True  # "the U.S. embassy in Vilnius": where another state's embassy is
    return noun not in rules.actor_nouns


# A state's name or possessive just before a noun: "the U.S. embassy", "Russia's ambassador".
_POSTED_BY = re.compile(r"(?:['’]s|\b(?!(?:The|A|An|Its|Their|His|Her)\b)[A-Z][\w.]*)\s+$")


class AliasTrie:
    """Find whole-word occurrences of many phrases, the longest at each place, left to right.

    Phrases are split into pieces (runs of word characters, and single other characters:
    "the United States" is ``the``, `` ``, ``United``, `` ``, ``States``). A regex of their
    heads (each phrase up to its second word) finds where one may start: not inside a word,
    nor after a hyphen or a word's apostrophe ("non-US", "O'Neill"), but after an opening
    quote ('U.S.); from there the text is walked piece by piece down a trie of the rest.
    For the default dictionary the heads' regex has 18,000 characters where one of all 5,000
    phrases had 63,000: the matcher, built at every start, is ready in a third of the time,
    and finds the same mentions.

    Parameters
    ----------
    phrases : iterable of str
        Non-empty phrases, matched case-sensitively.
    phrase_end : re.Pattern, optional
        What may not follow a phrase (a language pack's ``ActorRules.phrase_end``; English
        by default: a word, an apostrophe ending, "-elect").
    """

    def __init__(self, phrases: Iterable[str], phrase_end: re.Pattern[str] | None = None) -> None:
        self._phrase_end = phrase_end or english().actors.phrase_end
        self._tails: dict[str, dict] = {}  # head -> trie of the pieces after it
        complete = {phrase for phrase in phrases if phrase}
        for phrase in complete:
            pieces = _PIECE.findall(phrase)
            words = list(accumulate(_PIECE_WORD.fullmatch(piece) is not None for piece in pieces))
            cut = words.index(2) + 1 if words[-1] >= 2 else len(pieces)
            node = self._tails.setdefault("".join(pieces[:cut]), {})
            for piece in pieces[cut:]:
                node = node.setdefault(piece, {})
            node[""] = phrase  # pieces are never empty: "" marks where a phrase ends
        # A head must end where a word does: in "Costa Ricans" the regex backtracks from
        # "Costa Rica" to a shorter head, which is then a whole phrase ("Costa").
        self._starts = re.compile(r"(?<![\w-])(?<!\w')(?:" + trie_regex(self._tails) + r")(?!\w)")
        # The whole phrases a head starts with, longest first: when no phrase through the
        # head may end here ("Costa Rica-elect"), the original longest-match still tries them.
        self._shorter = {head: [prefix for prefix in _piece_prefixes(head) if prefix in complete]
                         for head in self._tails}
        # Heads that are whole phrases and start no longer one: most hits.
        self._whole = {head: node[""] for head, node in self._tails.items() if len(node) == 1 and "" in node}

    def finditer(self, text: str) -> Iterator[tuple[int, int, str]]:
        """(start, end, phrase) of each match, as ``re.finditer`` of an alternation of all
        the phrases, longest first, would give them. A phrase must not run into a word, nor
        into an ending of two letters or more after an apostrophe, nor into "-elect"
        (Venezuela's president-elect is not the president)."""
        restart: int | None = 0
        whole, phrase_end = self._whole, self._phrase_end
        while restart is not None:
            hits, restart = self._starts.finditer(text, restart), None
            for hit in hits:
                start, at = hit.span()
                phrase = whole.get(hit.group())
                if phrase is not None and _ends_phrase(text, at, phrase_end):
                    yield start, at, phrase  # the usual case: a whole phrase, nothing longer starts with it
                    continue
                found = self._longest(text, start, hit.group())
                if found is not None:
                    yield start, *found
                if found is None or found[0] != at:
                    # The next phrase may start inside this head ("the BRICS summit": "BRICS"), or
                    # the match went past it: search again from there, as ``re.finditer`` would.
                    restart = start + 1 if found is None else found[0]
                    break

    def _longest(self, text: str, start: int, head: str) -> tuple[int, str] | None:
        """(end, phrase) of the longest phrase that may end here, among those at ``start``
        that begin with ``head`` or are shorter than it, if any."""
        node, at, found = self._tails[head], start + len(head), None
        phrase_end = self._phrase_end
        while True:
            phrase = node.get("")
            if phrase is not None and _ends_phrase(text, at, phrase_end):
                found = (at, phrase)
            if len(node) == (phrase is not None):  # nothing goes on from here
                break
            piece = _PIECE.match(text, at)
            node = node.get(piece.group()) if piece else None
            if node is None:
                break
            at = piece.end()
        if found is None:
            found = next(((start + len(p), p) for p in self._shorter[head]
                          if _ends_phrase(text, start + len(p), phrase_end)), None)
        return found


def _ends_phrase(text: str, at: int, phrase_end: re.Pattern[str]) -> bool:
    """Whether a phrase may end at ``at`` (see :meth:`AliasTrie.finditer`)."""
    return text[at:at + 1] in _PLAIN_AFTER or phrase_end.match(text, at) is not None


def _piece_prefixes(text: str) -> list[str]:
    """The proper prefixes of ``text`` that end between two of its pieces, longest first."""
    pieces = _PIECE.findall(text)
    return ["".join(pieces[:k]) for k in range(len(pieces) - 1, 0, -1)]


def _in_capitals(text: str) -> bool:
    """A line written in capitals: no lower-case letter and at least two upper-case ones."""
    return not any(c.islower() for c in text) and sum(c.isupper() for c in text) >= 2


_PIECE = re.compile(r"\w+|\W")
_PIECE_WORD = re.compile(r"\w+")
_COMPOUND = re.compile(r"-([A-Z]\w*)")
_PLAIN_AFTER = frozenset(" ,.;:)\"”\n")  # what most often follows a name: every pack's phrase_end must let these pass


def _variants(form: str) -> list[str]:
    """The form and, when it starts in lower case, the same capitalised at a sentence start
    ("the bloc" / "The bloc", "opposition leaders" / "Opposition leaders")."""
    if form[:1].islower():
        return [form, form[0].upper() + form[1:]]
    return [form]

