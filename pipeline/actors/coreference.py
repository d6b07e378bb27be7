"""Stage 3, second half: mentions made without a name.

:class:`Coreference` adds to the named mentions of :class:`~pipeline.actors.matcher.ActorMatcher`
those made by pronouns, group phrases ("both countries"), "the government" and list
headings, each resolved to the most recent compatible actors of the same article, with
the words of a language pack (:mod:`pipeline.lang`). Each of these is a :class:`Rule`
(:class:`PronounRule`, :class:`GroupRule`, ...), and :class:`Coreference` runs an ordered
list of them over every sentence (:func:`default_rules`). :func:`mention_runs` and
:func:`coordinated_lists` find the coordinated lists of a sentence ("Mexico, Colombia and
Brazil"), which the features read too.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from typing import ClassVar

from pipeline.actors.dictionary import ActorDictionary
from pipeline.actors.matcher import Mention, _variants
from pipeline.actors.text import fold
from pipeline.errors import StanceError
from pipeline.lang import CoreferenceRules, LanguagePack, english
from pipeline.segment import Sentence

LOOKBACK = 2  # sentences to look back for an antecedent

HEADING_SPAN = 3  # lines a heading alone on its line governs, at most


@dataclass
class Context:
    """What earlier sentences of the article named, most recent last, and what the rules
    share about the sentence being read.

    Attributes
    ----------
    resolver : Coreference
        The resolver running the rules: its dictionary, language pack words and helpers
        (:meth:`Coreference.antecedent`, :meth:`Coreference.government_of`, ...).
    when : date or None
        The article's date.
    words : set of str
        The lower-case words of the sentence being read, to skip scans that cannot match.
    """

    resolver: Coreference
    when: date | None = None
    words: set[str] = field(default_factory=set)
    # Per sentence index: its named and pronoun mentions, in order of position.
    named: dict[int, list[Mention]] = field(default_factory=dict)
    # Per sentence index: its text and resolved mentions, and, once a pronoun looked back at
    # it (most sentences are never looked back at), its person antecedents in order,
    # (actor or None if unknown, gender or None).
    resolved: dict[int, tuple[str, list[Mention]]] = field(default_factory=dict)
    persons: dict[int, list[tuple[str | None, str | None]]] = field(default_factory=dict)
    groups: list[tuple[int, list[str]]] = field(default_factory=list)
    heading: list[str] = field(default_factory=list)
    # Every actor the article has mentioned so far, the most recently mentioned last.
    seen: dict[str, None] = field(default_factory=dict)
    heading_lines: range = range(0)
    paragraph: int = -1
    # The coordinated lists of the sentence being read, with the mentions they were read
    # from: the group rule and the bookkeeping after the rules both need them, and
    # computing them once per sentence keeps long articles cheap.
    _lists: tuple[Sequence[Mention] | None, list[list[str]]] = (None, [])

    def lists(self, sentence: Sentence, mentions: Sequence[Mention]) -> list[list[str]]:
        """The coordinated lists of ``sentence`` (:func:`coordinated_lists`), computed once."""
        if self._lists[0] is not mentions:
            self._lists = (mentions, coordinated_lists(sentence.text, mentions, self.resolver.patterns))
        return self._lists[1]


class Rule:
    """One coreference rule: finds the mentions a sentence makes without a name.

    Subclass it, set ``name`` and implement :meth:`resolve`; pass the rule in the ``rules``
    of :class:`Coreference` (or add its name to :data:`RULES` for language packs).

    Attributes
    ----------
    name : str
        Short identifier ("pronoun"), unique in a list of rules.
    replaces : bool
        False (most rules): what :meth:`resolve` returns is added to the sentence's
        mentions. True: it replaces them, so the rules after it read the new list (the
        dateline rule drops a mention, the shared-reference rule repoints one).
    """

    name: ClassVar[str] = ""
    replaces: ClassVar[bool] = False

    def resolve(self, sentence: Sentence, mentions: list[Mention], context: Context) -> list[Mention]:
        """The mentions this rule finds in ``sentence``.

        Parameters
        ----------
        sentence : Sentence
        mentions : list of Mention
            The sentence's named mentions, as the rules before this one left them.
        context : Context
            The article so far; a rule may keep its own state there (the heading rule does).

        Returns
        -------
        list of Mention
            Mentions to add, or, when ``replaces`` is set, the sentence's new mentions.
        """
        raise NotImplementedError


class DatelineRule(Rule):
    """The place of a dateline ("La Paz, Oct 26, 2019", "Caracas (Reuters) -") is dropped:
    a city there says where the article was written, not that its government acted."""

    name = "dateline"
    replaces = True

    def resolve(self, sentence: Sentence, mentions: list[Mention], context: Context) -> list[Mention]:
        return _outside_dateline(sentence, mentions, context.resolver.patterns)


class SharedReferenceRule(Rule):
    """Short references that several actors share ("the bloc": the EU, Mercosur, CARICOM):
    the most recent of them named in the previous two sentences or earlier in the sentence,
    else the one of them the article mentioned last; an actor counts as named when someone
    speaking for it is ("Borrell said the bloc..."). With none of them mentioned before, it
    is the first actor listing it (the name the matcher gave) when the event's dictionary
    declares or extends that actor, else no mention: in an article about a vote in Africa
    "the bloc" is not the EU. (A reference only one actor lists is that actor's, as an alias is.)"""

    name = "reference"
    replaces = True

    def resolve(self, sentence: Sentence, mentions: list[Mention], context: Context) -> list[Mention]:
        resolver = context.resolver
        out: list[Mention] = []
        for m in mentions:
            actors = resolver.shared.get(fold(m.text))
            if actors:
                recent = [r for _, r in resolver.recent(context, sentence.index)] + [r for r in out if r.end <= m.start]
                recent_actors = [a for r in recent for a in (r.actor, resolver.speaks_for(r.actor, context.when))]
                earlier = (a for seen in reversed(context.seen) for a in (resolver.speaks_for(seen, context.when), seen))
                actor = next((a for a in reversed(recent_actors) if a in actors), None) or next(
                    (a for a in earlier if a in actors), None)
                if actor is None and m.actor in resolver.dictionary.included:
                    continue
                actor = actor or m.actor  # the event's own default: the first actor listing it
                m = Mention(actor, m.start, m.end, m.text, "reference")
            out.append(m)
        return out


class HeadingRule(Rule):
    """List headings, a line that names only actors ("Argentina and Uruguay: ...",
    "BRAZIL, COLOMBIA AND MEXICO"): the listed actors hold the sentences of that line; a
    heading alone on its line holds the following lines too, until the next heading or a
    line that opens on an actor outside the heading, at most three lines."""

    name = "heading"

    def resolve(self, sentence: Sentence, mentions: list[Mention], context: Context) -> list[Mention]:
        patterns = context.resolver.patterns
        if sentence.paragraph != context.paragraph:  # the first sentence of its line
            context.paragraph = sentence.paragraph
            heading = _list_heading(sentence, mentions, patterns)
            if heading is not None:
                context.heading, alone = heading
                first = sentence.paragraph + 1 if alone else sentence.paragraph
                context.heading_lines = range(first, sentence.paragraph + (HEADING_SPAN if alone else 0) + 1)
                return []
            # Another heading, or a line opening on another actor, ends the section.
            if sentence.heading or patterns.heading.match(sentence.text) or self._new_subject(mentions, context):
                context.heading = []
        if context.heading and sentence.paragraph in context.heading_lines:
            present = {m.actor for m in mentions}
            return [Mention(a, 0, 0, "", "heading") for a in context.heading if a not in present]
        return []

    @staticmethod
    def _new_subject(mentions: list[Mention], context: Context) -> bool:
        """Whether a line opens on an actor outside the heading (and not speaking for one of
        its actors): "Russia said ..." after the lines under "Brazil:" starts something else."""
        opening = [m for m in mentions if m.start <= 4 and m.start < m.end]
        if not context.heading or not opening:
            return False
        actor = opening[0].actor
        heads = set(context.heading)
        return actor not in heads and context.resolver.state_of(actor, context.when) not in heads


class PronounRule(Rule):
    """"he", "his" / "she", "her": the first person of that gender named earlier in the
    sentence (the subject, as a rule), else the first one of the nearest of the previous two
    sentences that names one. A country named by a title ("Chile's president said his ...")
    is such a person; an unknown titled person ("President Bashar al-Assad") takes the place
    and resolves to nothing."""

    name = "pronoun"

    def resolve(self, sentence: Sentence, mentions: list[Mention], context: Context) -> list[Mention]:
        found = []
        resolver, patterns = context.resolver, context.resolver.patterns
        matches = _scan(patterns.person_pronoun, patterns.person_pronoun_words, sentence.text, context.words)
        for match in _free(matches, mentions):
            gender = patterns.pronoun_gender[match.group().lower()]
            person = resolver.antecedent(sentence, mentions, context, gender, match.start())
            if person:
                found.append(Mention(person, match.start(), match.end(), match.group(), "pronoun"))
        return found


class GroupRule(Rule):
    """"they" and group phrases.

    "they": the most recent list of two or more actors ("Mexico, Colombia and Brazil") in the
    previous two sentences, when the sentence names no list before it; without a list, the
    subject (first mention) of this sentence or else of the previous one, when it is a group
    ("Opposition leaders said ... They demanded ...").

    "both countries", "the three governments", "these nations", "the two leftist leaders",
    "all three", "the trio": the most recent list of actors (up to three sentences back, or
    earlier in the sentence), of the stated size when one is stated. With a noun naming
    states (countries, governments, nations...), a listed person stands for the country he
    speaks for ("Lula and Petro ... both countries"). "The presidents of A, B and C" is that
    list only if its actors speak for A, B and C.
    """

    name = "group"

    def resolve(self, sentence: Sentence, mentions: list[Mention], context: Context) -> list[Mention]:
        found = []
        resolver, rules = context.resolver, context.resolver.patterns
        own_lists = context.lists(sentence, mentions)
        they = rules.they_word
        phrases = (_scan(rules.group, rules.group_words, sentence.text, context.words)
                   + _scan(rules.they, rules.they_words, sentence.text, context.words))
        for match in _free(phrases, mentions):
            words = match.group().lower().split()
            size = next((rules.counts[w] for w in words if w in rules.counts), None)
            before = [g for g in own_lists if _list_end(g, mentions) <= match.start()]
            if words[0] == they and before:
                continue
            pool = [g for i, g in context.groups if sentence.index - i <= LOOKBACK + (words[0] != they)]
            pool += before
            group = next((g for g in reversed(pool) if size is None or len(g) == size), None)
            of = rules.of.match(sentence.text, match.end())
            if of and group:
                # "the presidents of Argentina, Ecuador and Paraguay": only a list of actors
                # who speak for exactly those named after "of" (else nothing: no guess).
                named = _list_at(sentence.text, mentions, of.end(), rules)
                states = {resolver.state_of(a, context.when) for a in group}
                group = group if named and states == {resolver.state_of(a, context.when) for a in named} else None
            if not group and words == [they]:
                group = self._collective(sentence, mentions, context, match.start())
            if not group:
                continue
            if words[-1] in rules.state_nouns:
                group = list(dict.fromkeys(resolver.state_of(a, context.when) for a in group))
            found += [Mention(a, match.start(), match.end(), match.group(), "group") for a in group]
        return found

    @staticmethod
    def _collective(sentence: Sentence, mentions: list[Mention], context: Context, position: int) -> list[str]:
        """"they" without a list: the subject of this sentence or of the previous one (its first
        mention), when it is a group ("Opposition leaders said ... They demanded ...")."""
        here = [m for m in mentions if m.end <= position]
        previous = context.named.get(sentence.index - 1, [])
        for candidates in (here, previous):
            if candidates:
                first = min(candidates, key=lambda m: m.start)
                return [first.actor] if context.resolver.dictionary[first.actor].kind == "group" else []
        return []


class GovernmentRule(Rule):
    """"the government" / "the administration": the most recent actor of the previous two
    sentences (or of this one, before the phrase) that is a country, or speaks for one or for
    the target's home government (Petro → Colombia, the CNE → Government of Venezuela); else,
    for "the government", the home government. "his government", "the Petro government",
    "Lula's administration": the government of that person."""

    name = "government"

    def resolve(self, sentence: Sentence, mentions: list[Mention], context: Context) -> list[Mention]:
        found = []
        resolver, rules = context.resolver, context.resolver.patterns
        for match in _free(_scan(rules.government, rules.government_words, sentence.text, context.words), mentions):
            if match["pronoun"]:
                gender = rules.pronoun_gender[match["pronoun"].lower()]
                person = resolver.antecedent(sentence, mentions, context, gender, match.start())
                actor = resolver.government_of(person, context.when) if person else None
            else:
                candidates = [m for _, m in resolver.recent(context, sentence.index)]
                candidates += [m for m in mentions if m.end <= match.start()]
                actor = next((g for m in reversed(candidates)
                              if (g := resolver.government_of(m.actor, context.when)) is not None), None)
                if actor is None and rules.government_word in match.group():
                    actor = resolver.home_government
            if actor:
                found.append(Mention(actor, match.start(), match.end(), match.group(), "government"))
        for m in mentions:
            after = rules.government_after.match(sentence.text, m.end)
            if after and resolver.dictionary[m.actor].kind == "person":
                actor = resolver.government_of(m.actor, context.when)
                if actor:
                    found.append(Mention(actor, m.start, after.end(), sentence.text[m.start:after.end()], "government"))
        return found


# The rules by name, for a language pack's ``coreference_rules``.
RULES: dict[str, type[Rule]] = {rule.name: rule for rule in (
    DatelineRule, SharedReferenceRule, HeadingRule, PronounRule, GroupRule, GovernmentRule)}

# The default order. The two rules that rewrite the named mentions come first, so the
# others read the mentions as resolved; headings, pronouns, groups, then "the government"
# is the order the output was tuned on (a duplicate keeps the first rule's ``via``).
DEFAULT_RULES = ("dateline", "reference", "heading", "pronoun", "group", "government")


def default_rules(names: Sequence[str] = DEFAULT_RULES) -> list[Rule]:
    """A fresh list of the rules ``names`` (default: every rule, in the default order).

    Raises
    ------
    StanceError
        For a name not in :data:`RULES`.
    """
    unknown = [n for n in names if n not in RULES]
    if unknown:
        raise StanceError(f"unknown coreference rule(s) {', '.join(unknown)}; known: {', '.join(RULES)}")
    return [RULES[n]() for n in names]


class Coreference:
    """Resolve pronouns, group phrases, "the government" and list headings to actors.

    Runs its ``rules`` on each sentence of an article in reading order (see each rule's
    class for what it resolves); what no rule resolves is dropped, never guessed.

    Parameters
    ----------
    dictionary : ActorDictionary
    home_government : str, optional
        The actor "the government" stands for when no earlier actor speaks for a country.
    lang : LanguagePack, optional
        Its words (default English); its ``coreference_rules``, when set, name the rules.
    rules : sequence of Rule, optional
        The rules to run, in order (default: :func:`default_rules`, or the pack's).
    """

    def __init__(self, dictionary: ActorDictionary, home_government: str | None = None,
                 lang: LanguagePack | None = None, rules: Sequence[Rule] | None = None) -> None:
        self.dictionary = dictionary
        self.lang = lang or english()
        self.patterns: CoreferenceRules = self.lang.coreference
        if rules is None:
            rules = default_rules(self.lang.coreference_rules or DEFAULT_RULES)
        self.rules: tuple[Rule, ...] = tuple(rules)
        if home_government is not None and home_government not in dictionary:  # a typo would silently turn it off
            raise StanceError(f"home_government {home_government!r} is not an actor of {dictionary.source or 'the dictionary'}")
        self.home_government = home_government
        self.shared = {variant: actors for phrase, actors in dictionary.references().items() if len(actors) > 1
                       for variant in _variants(phrase)}

    def resolve(self, sentences: Sequence[Sentence], named: Sequence[list[Mention]],
                when: date | None = None, dictionary: ActorDictionary | None = None) -> list[list[Mention]]:
        """Add resolved mentions to each sentence's named mentions.

        Parameters
        ----------
        sentences : sequence of Sentence, length n
        named : sequence of list of Mention, length n
            Named mentions per sentence, from :class:`ActorMatcher`.
        when : date, optional
            The article's date, for whom people speak for ("the administration").
        dictionary : ActorDictionary, optional
            This article's dictionary when it names actors inferred from the text
            (:meth:`ActorDictionary.extended`); by default the one given at construction.

        Returns
        -------
        list of list of Mention, length n, each sorted by offset.
        """
        if dictionary is not None and dictionary is not self.dictionary:
            # A shallow copy, not an attribute set on self: threads may share this instance.
            resolver = copy.copy(self)
            resolver.dictionary = dictionary
            return resolver.resolve(sentences, named, when)
        context = Context(resolver=self, when=when)
        out: list[list[Mention]] = []
        for sentence, mentions in zip(sentences, named, strict=True):
            context.words = set(self.patterns.sentence_word.findall(sentence.text.lower()))
            added: list[Mention] = []
            for rule in self.rules:
                if rule.replaces:
                    mentions = rule.resolve(sentence, mentions, context)
                else:
                    added += rule.resolve(sentence, mentions, context)
            found = list(mentions) + added
            found.sort(key=lambda m: (m.start, m.end, m.actor))
            out.append(_dedupe(found))
            for m in found:  # whom each speaks for is looked up only when a shared reference needs it
                context.seen.pop(m.actor, None)
                context.seen[m.actor] = None
            # Pronouns carry their antecedent forward: "Maduro spoke. He ... He ... He ..."
            context.named[sentence.index] = sorted(mentions + [m for m in found if m.via == "pronoun"],
                                                   key=lambda m: m.start)
            context.resolved[sentence.index] = (sentence.text, found)
            # Only the look-back window is ever read: forget older sentences, so a long
            # article costs the same per sentence as a short one.
            context.named.pop(sentence.index - LOOKBACK - 1, None)
            context.resolved.pop(sentence.index - LOOKBACK - 1, None)
            context.persons.pop(sentence.index - LOOKBACK - 1, None)
            context.groups = [(i, g) for i, g in context.groups if sentence.index - i < LOOKBACK + 1]
            context.groups += [(sentence.index, group) for group in context.lists(sentence, mentions)]
        return out

    def government_of(self, actor: str, when: date | None = None) -> str | None:
        """The government ``actor`` is or speaks for: a country, or the home government."""
        top = self.dictionary.roll_up(actor, when, lenient=True)
        if self.dictionary[top].kind == "country" or top == self.home_government:
            return top
        return None

    def state_of(self, actor: str, when: date | None) -> str:
        """The country or organisation ``actor`` is or speaks for, else ``actor`` itself."""
        if self.dictionary[actor].kind in ("country", "organisation"):
            return actor
        top = self.dictionary.roll_up(actor, when, lenient=True)
        return top if self.dictionary[top].kind in ("country", "organisation") else actor

    def speaks_for(self, actor: str, when: date | None) -> str:
        """Whom ``actor`` finally speaks for (itself if nobody), on ``when`` or, undated, at any time."""
        return self.dictionary.roll_up(actor, when, lenient=True)

    def recent(self, context: Context, index: int) -> list[tuple[int, Mention]]:
        """The named and pronoun mentions of the sentences in the look-back window before
        ``index``, oldest first, each with its sentence index."""
        return [(i, m) for i in range(index - LOOKBACK, index) for m in context.named.get(i, [])]

    def _persons(self, text: str, mentions: Sequence[Mention]) -> list[tuple[int, str | None, str | None]]:
        """Person antecedents of a sentence in order: ``(offset, actor or None, gender or None)``.

        Named people (with their gender); countries named by a title ("Chile's president",
        either gender); pronouns resolved to them; and unknown titled people (actor None).
        """
        slots = []
        for m in mentions:
            actor = self.dictionary[m.actor]
            if m.via not in ("name", "pronoun"):
                continue
            if actor.kind == "person":
                slots.append((m.start, m.actor, actor.gender))
            elif m.via == "pronoun" or (m.via == "name" and self.patterns.title_phrase.search(m.text)
                                        and not _names_person(text, m.end, mentions, self.dictionary)):
                slots.append((m.start, m.actor, None))
        for match in self.patterns.titled_name.finditer(text):
            if match["name"] in self.patterns.not_names:
                continue
            if not any(m.start <= match.start("name") < m.end for m in mentions if m.start < m.end):
                title = match["title"].lower().rstrip(".")
                slots.append((match.start(), None, self.patterns.title_gender.get(title)))
        return sorted(slots, key=lambda slot: slot[0])

    def _earlier_persons(self, context: Context, index: int) -> list[tuple[str | None, str | None]]:
        """The person antecedents of an earlier sentence, (actor, gender) in order."""
        persons = context.persons.get(index)
        if persons is None and index in context.resolved:
            persons = context.persons[index] = [(actor, gender) for _, actor, gender in
                                                self._persons(*context.resolved[index])]
        return persons or []

    def antecedent(self, sentence: Sentence, mentions: list[Mention], context: Context, gender: str,
                   position: int) -> str | None:
        """The first person of ``gender`` before ``position`` in the sentence (the subject, as a
        rule), else the first of the nearest earlier sentence that has one; an unknown person
        in that place means no antecedent."""
        def compatible(slot_gender: str | None) -> bool:
            return slot_gender is None or slot_gender == gender

        here = [(actor, g) for start, actor, g in self._persons(sentence.text, mentions) if start < position]
        for back in range(0, LOOKBACK + 1):
            slots = here if back == 0 else self._earlier_persons(context, sentence.index - back)
            first = next((actor for actor, g in slots if compatible(g)), "")
            if first != "":
                return first
        return None


def _scan(pattern: re.Pattern[str], needed: frozenset[str], text: str, words: set[str]) -> list[re.Match[str]]:
    """The matches of ``pattern`` in ``text``, which has these lower-case ``words``; none
    without a scan when no word of ``needed`` (one of which every match holds) is there."""
    return [] if needed.isdisjoint(words) else list(pattern.finditer(text))


def _free(matches: list[re.Match[str]], mentions: Sequence[Mention]) -> list[re.Match[str]]:
    """The matches that are not inside a named mention ("the government" in "the government
    in Caracas" is part of that alias)."""
    if not matches:  # most sentences, for each kind of phrase
        return matches
    spans = [(m.start, m.end) for m in mentions if m.start < m.end]
    return [x for x in matches if not any(s < x.end() and x.start() < e for s, e in spans)]


def _outside_dateline(sentence: Sentence, mentions: list[Mention], rules: CoreferenceRules) -> list[Mention]:
    """Drop the place of a dateline ("La Paz, Oct 26, 2019", "Caracas (Reuters) -"): a city
    there says where the article was written, not that its government acted."""
    match = rules.dateline.match(sentence.text) if sentence.start == 0 or sentence.heading else None
    if not match:
        return mentions
    return [m for m in mentions if m.start >= match.end()]


def _list_heading(sentence: Sentence, mentions: Sequence[Mention],
                  rules: CoreferenceRules) -> tuple[list[str], bool] | None:
    """``(actors, alone)`` when the sentence opens with a heading that lists only actors.

    "Argentina and Uruguay: the two ..." (``alone`` False), "Argentina and Uruguay:" or a
    short line without final punctuation such as "BRAZIL AND COLOMBIA" (``alone`` True).
    """
    match = rules.heading.match(sentence.text)
    if match:
        head_end, alone = match.end(1), not sentence.text[match.end():].strip()
    elif sentence.heading:
        head_end, alone = len(sentence.text), True
    else:
        return None
    head = [m for m in mentions if m.end <= head_end]
    if not head or rules.heading_filler.sub("", _blank(sentence.text[:head_end], head)):
        return None
    return list(dict.fromkeys(m.actor for m in head)), alone


def mention_runs(text: str, mentions: Sequence[Mention], rules: CoreferenceRules | None = None) -> list[list[Mention]]:
    """Mentions grouped into coordinated lists; a mention outside any list is a run of one.

    Mentions are joined when only commas, "and", "or", "as well as" stand between them.
    A run joined by commas alone is a list only at the start of the sentence (a headline's
    "Argentina, Chile reject ..."): elsewhere "In talks held in Qatar, the U.S. offered ..."
    is an introductory phrase followed by the subject, not a list.
    """
    if len(mentions) < 2:  # most sentences
        return [[m] for m in mentions if m.start < m.end]
    rules = rules or english().coreference
    runs: list[list[Mention]] = []
    run: list[Mention] = []
    for mention in sorted((m for m in mentions if m.start < m.end), key=lambda m: m.start):
        if run and rules.list_separator.match(text[run[-1].end:mention.start]):
            run.append(mention)
            continue
        runs += _valid_runs(text, run, rules)
        run = [mention]
    return runs + _valid_runs(text, run, rules)


def _valid_runs(text: str, run: list[Mention], rules: CoreferenceRules) -> list[list[Mention]]:
    if len(run) < 2:
        return [run] if run else []
    gaps = [text[a.end:b.start] for a, b in pairwise(run)]
    if any(rules.conjunction.search(gap) for gap in gaps) or not text[:run[0].start].strip(" \"'“‘"):
        return [run]
    return [[m] for m in run]


def coordinated_lists(text: str, mentions: Sequence[Mention], rules: CoreferenceRules | None = None) -> list[list[str]]:
    """The coordinated lists of two or more different actors in a sentence.

    "Mexico, Colombia and Brazil asked ..." gives ``[["Mexico", "Colombia", "Brazil"]]``.
    """
    if len(mentions) < 2:
        return []
    lists = [list(dict.fromkeys(m.actor for m in run)) for run in mention_runs(text, mentions, rules)]
    return [actors for actors in lists if len(actors) >= 2]


def _names_person(text: str, position: int, mentions: Sequence[Mention], dictionary: ActorDictionary) -> bool:
    """Whether a person's name follows ``position`` in apposition ("Mexican President| Claudia Sheinbaum")."""
    return any(dictionary[m.actor].kind == "person" and not text[position:m.start].strip(" ,")
               for m in mentions if m.start >= position and m.via == "name")


def _list_at(text: str, mentions: Sequence[Mention], position: int, rules: CoreferenceRules) -> list[str]:
    """The actors of the list (or the single actor) whose first mention starts at ``position``."""
    run = next((r for r in mention_runs(text, mentions, rules) if r[0].start == position), [])
    return list(dict.fromkeys(m.actor for m in run))


def _list_end(group: list[str], mentions: Sequence[Mention]) -> int:
    return max(m.end for m in mentions if m.actor in group)


def _blank(text: str, mentions: Sequence[Mention]) -> str:
    for m in sorted(mentions, key=lambda m: -m.start):
        text = text[:m.start] + text[m.end:]
    return text


def _dedupe(mentions: list[Mention]) -> list[Mention]:
    seen = set()
    out = []
    for m in mentions:
        key = (m.actor, m.start, m.end)
        if key not in seen:
            seen.add(key)
            out.append(m)
    return out
