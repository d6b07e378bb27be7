"""Actors beyond the dictionary: people and organisations an article introduces itself.

News names many people no dictionary lists, and it introduces them so that a reader can
place them: a title ("Uruguayan Foreign Minister Omar Paganini", "Treasury Secretary Scott
Bessent", "Chinese foreign ministry spokesperson Mao Ning"), an apposition ("Mauro
Vieira, Brazil's foreign minister," / "Brazil's foreign minister, Mauro Vieira,"). Bodies
that take positions are named by capitalised phrases ending in an institution's noun
("Peru's Congress", "the European People's Party").

:class:`ActorInference` reads one article's sentences with the dictionary's mentions and
returns the actors so introduced (``inferred=True``, camp None, an undated role for the
country or organisation of the phrase, so that ``--level country`` counts them for it),
their mentions (with later bare surnames: "Vieira said"), and the article's dictionary
extended with them, for :class:`~pipeline.actors.Coreference` and the pairs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from pipeline.actors import _NOT_FIRST_NAMES, Actor, ActorDictionary, Mention, Role, _after_former, fold, trie_regex
from pipeline.segment import Sentence

# Words that make a title; heads end one ("minister", "spokesperson"), modifiers may come
# before them ("foreign", "deputy", "treasury"). Case-insensitive: "foreign minister X",
# "Foreign Minister X".
TITLE_HEAD_LIST = (
    "president", "vice president", "vice-president", "prime minister", "minister", "secretary", "secretary general",
    "secretary-general", "spokesman", "spokeswoman", "spokesperson", "ambassador", "senator", "sen.", "mep",
    "congressman", "congresswoman", "representative", "rep.", "deputy", "governor", "chancellor", "premier", "envoy",
    "director", "director general", "director-general", "chief", "head", "chair", "chairman", "chairwoman",
    "chairperson", "attorney general", "prosecutor", "judge", "lawmaker", "legislator", "mayor", "commissioner",
    "pope", "king", "queen", "prince", "sheikh", "emir", "cardinal", "archbishop", "adviser", "advisor",
    "coordinator", "rapporteur", "diplomat", "official", "leader", "commander", "general", "gen.", "counsellor",
    "councillor", "high representative", "special representative", "candidate", "speaker", "ombudsman",
    "ombudsperson",
)
_TITLE_HEADS = "|".join(re.escape(h) for h in sorted(TITLE_HEAD_LIST, key=len, reverse=True))
_TITLE_MODIFIERS = (
    r"foreign|deputy|vice|prime|interior|defen[cs]e|justice|finance|treasury|trade|economy|state|home|security"
    r"|acting|interim|senior|chief|first|affairs|external|executive|ministry|government|presidential|press"
    r"|federal|national|policy|assistant|under|special|top|opposition|party|mission|electoral|election|regional"
    r"|permanent|u\.s\.|us|eu|un|oas|foreign-affairs|human|rights|communications|information|secretary|cabinet"
)
_TITLE = rf"(?i:(?:(?:{_TITLE_MODIFIERS})\s+){{0,4}}(?:{_TITLE_HEADS}))"
# An extension naming the office: "Secretary of State", "Minister for Foreign Affairs", "spokesperson
# for the Foreign Ministry". The name after it must not start with one of these words.
_OFFICE = r"(?:\s+(?:of|for)\s+(?:the\s+)?[A-Z][\w'-]*(?:\s+(?:and\s+)?[A-Z][\w'-]*){0,2})?"
_PARTICLES = (r"(?:da|de|del|della|di|do|dos|das|du|la|le|van|von|der|den|ter|bin|ibn|al|el|y|e"
              r"|van der|von der|de la|de los|de las)")
_TOKEN = r"[A-Z][\w'’.-]*"
NAME = rf"{_TOKEN}(?:\s+(?:{_PARTICLES}\s+)?{_TOKEN}){{1,3}}"
# Words that are never a person's first name or surname after a title.
NOT_NAMES = frozenset({
    "General", "Assembly", "Council", "Court", "Office", "Department", "House", "Palace", "Party", "Ministry",
    "Committee", "Commission", "Of", "And", "The", "Elect", "Affairs", "State", "Foreign", "Defense", "Defence",
    "Justice", "Treasury", "Interior", "Minister", "Secretary", "President", "Monday", "Tuesday", "Wednesday",
    "Thursday", "Friday", "Saturday", "Sunday", "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December", "On", "In", "At", "For", "But", "He", "She", "They",
    "It", "We", "I", "A", "An", "This", "That", "These", "Those", "Union", "Nations", "States", "Republic",
    "Government", "Parliament", "Congress", "Senate", "Embassy", "Mission", "Bank", "Center", "Centre",
})
def _cased(words: Sequence[str]) -> list[str]:
    """Each phrase in lower case, capitalised and in capitals ("foreign minister", "Foreign
    Minister", "FOREIGN MINISTER"): a trie of them is faster than ``(?i:...)``."""
    def capitalised(phrase: str) -> str:
        return re.sub(r"(^|[ -])(\w)", lambda m: m[1] + m[2].upper(), phrase)

    return [form for w in words for form in (w, capitalised(w), w.upper())]


TITLE_HEAD_WORDS = frozenset(TITLE_HEAD_LIST)
TITLE_HEAD = re.compile(rf"(?<![\w-])(?:{trie_regex(_cased(TITLE_HEAD_LIST))})(?![\w-])")
TITLE_NAME = re.compile(rf"{_OFFICE}(?:,)?\s+(?P<name>{NAME})")
NAME_SPEAKS = re.compile(rf"(?<![\w'’-])(?P<name>{NAME})\s+(?:said|says|told|added|stated|wrote|declared|announced|insisted)\b")
JOINS_TITLE = re.compile(r"(?:['’]s)?\s*")  # between a country and its title: "Peru's Foreign Minister"
OF_AFTER_NAME = re.compile(r"\s+of\s+")
# "Lin Jian, a spokesperson for ...": a name, a comma, an article and up to four words before a title's head.
DESCRIBED_NAME = re.compile(rf"(?<![\w'’-])(?P<name>{NAME}),\s+(?:a|an|the)\s+(?:[\w'’.-]+\s+){{0,4}}$")
TITLE_MODIFIERS_BEFORE = re.compile(rf"(?<![\w-])(?i:(?:(?:{_TITLE_MODIFIERS})\s+){{1,4}})$")
# Styled by a title and one name: "Pope Leo XIV", "King Charles", "Sheikh Tamim".
REGNAL = re.compile(r"(?<![\w-])(?P<name>(?:Pope|King|Queen|Prince|Princess|Sheikh|Emir) [A-Z][a-z]+(?: [IVX]+\b)?)(?! [A-Z])")
# Apposition around a title phrase of the dictionary ("Brazil's foreign minister"): the name before it
# ("Mauro Vieira, Brazil's foreign minister,") or after it ("Brazil's foreign minister, Mauro Vieira,").
NAME_BEFORE = re.compile(rf"(?<![\w'’-])(?P<name>{NAME}),\s+(?:the\s+|a\s+)?$")
NAME_AFTER = re.compile(rf",?\s+(?P<name>{NAME})(?=\s*[,.;:)]|\s+[a-z]|\s*$)")
TITLE_AFTER_MENTION = re.compile(rf"(?:'s)?\s+{_TITLE}\b")
FORMER_NEAR = re.compile(r"\b(?:[Ff]ormer|[Ee]x-|[Tt]hen-)\s*(?:[\w'’.-]+\s+){0,3}$")
DEMONYM_BEFORE = re.compile(r"([A-Z][\w-]+)\s+$")
FEMALE_TITLES = re.compile(r"(?i)\b(?:spokeswoman|congresswoman|chairwoman|queen|mrs|ms)\b")
MALE_TITLES = re.compile(r"(?i)\b(?:spokesman|congressman|chairman|king|prince|mr|sheikh|emir|pope)\b")

# Bodies: a capitalised phrase whose last word (before an "of ..." complement) is one of these.
_ORG_HEADS = {
    "Parliament": "institution", "Congress": "institution", "Senate": "institution", "Court": "institution",
    "Tribunal": "institution", "Assembly": "institution", "Chamber": "institution", "Ombudsman": "institution",
    "Ministry": "institution", "Council": "institution", "Commission": "institution", "Board": "institution",
    "Party": "group", "Front": "group", "Movement": "group", "Alliance": "group", "Coalition": "group",
    "Caucus": "group", "Bloc": "group", "Cartel": "group", "Center": "organisation", "Centre": "organisation",
    "Foundation": "organisation", "Mission": "organisation", "Institute": "organisation",
    "Committee": "organisation", "Watch": "organisation", "Observatory": "organisation",
    "Organization": "organisation", "Organisation": "organisation", "Federation": "organisation",
    "Network": "organisation", "Agency": "organisation",
}
_CAP = r"[A-Z][\w'’-]*"
ORGANISATION = re.compile(
    rf"(?<![\w'’-])(?P<body>(?:{_CAP}\s+){{0,4}}(?P<head>{'|'.join(_ORG_HEADS)})\b"
    rf"(?:\s+(?:of|for|on)\s+(?:the\s+)?{_CAP}(?:\s+(?:and\s+)?{_CAP}){{0,3}})?)(?:\s+\((?P<short>[A-Z][A-Za-z]{{1,7}})\))?")
BODY_HEAD = re.compile(rf"\b(?:{'|'.join(_ORG_HEADS)})\b")
BODY_START = re.compile(rf"(?<![\w'’-])(?:{_CAP}\s+){{1,4}}$")


def _body_matches(text: str) -> Iterator[re.Match[str]]:
    """The matches of :data:`ORGANISATION` in ``text``, found from their head nouns (rare)
    and extended back over up to four capitalised words: the pattern tried at every word
    cost more than the rest of the stage."""
    done = 0
    for head in BODY_HEAD.finditer(text):
        if head.start() < done:
            continue
        before = BODY_START.search(text, max(done, head.start() - 80), head.start())
        match = ORGANISATION.match(text, before.start() if before else head.start())
        if match is not None:
            done = match.end()
            yield match


SKIP_ORG_WORDS = frozenset({"The", "A", "An", "On", "In", "At", "But", "And", "Both", "Speaking", "With", "For",
                            "From", "Meanwhile", "Former", "By", "To", "As", "After", "Before", "Its", "His", "Her",
                            "Their", "This", "That"})
STATE_KINDS = ("country", "organisation", "institution")
CAPITAL = re.compile(r"[A-Z]")
# Bodies that an article about the event means as its country's when it names no country ("the
# Constitutional Court"). Not ministries: "the Foreign Ministry" is as often a foreign one.
HOME_BODIES = frozenset({"Court", "Tribunal", "Congress", "Parliament", "Assembly", "Senate"})
POSSESSIVE = re.compile(r"([A-Z][\w-]*)['’]s\s+")
# Words of a body's name that say what it is, not whose it is: "the Foreign Ministry" needs a country.
GENERIC_WORDS = frozenset({"Foreign", "Justice", "Interior", "Defense", "Defence", "Finance", "Supreme", "Constitutional",
                           "Electoral", "National", "Federal", "High", "Security", "Legislative", "Plurinational",
                           "Upper", "Lower", "Ruling", "Governing", "Election", "Elections", "Health", "Economy",
                           "Communications", "Information", "Presidential", "Permanent"})


@dataclass(frozen=True)
class Introduction:
    """A name the article introduces: where, as what, for whom, and why (for ``actors suggest``)."""

    sentence: int
    start: int
    end: int
    name: str
    kind: str
    affiliation: str | None
    cue: str
    gender: str | None = None
    short: str | None = None


@dataclass
class ArticleActors:
    """What :meth:`ActorInference.infer` found in one article."""

    dictionary: ActorDictionary
    mentions: list[list[Mention]]
    introductions: list[Introduction] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # inferred actor -> mentions


class ActorInference:
    """Infer the people and bodies an article introduces that the dictionary lacks.

    Parameters
    ----------
    dictionary : ActorDictionary
        The target's dictionary: its mentions give affiliations ("Chinese foreign ministry"
        → China), its demonyms too ("Chilean Interior Minister" → Chile).
    home_government : str, optional
        The event's government ("Government of Bolivia"): a state body named without a
        country ("the Constitutional Court") is taken to be its country's, as a reader of
        the article would, and speaks for that country (or that government when the
        country is no actor).
    """

    def __init__(self, dictionary: ActorDictionary, home_government: str | None = None) -> None:
        self.dictionary = dictionary
        home = home_government if home_government in dictionary else None
        self.home_name = home.removeprefix("Government of ") if home and home.startswith("Government of ") else None
        self.home_actor = self.home_name if self.home_name in dictionary else home if self.home_name else None
        self._demonyms = {a.demonym: a.name for a in dictionary if a.kind == "country" and a.demonym}

    # --- one sentence -------------------------------------------------------------------

    def introductions(self, index: int, text: str, mentions: Sequence[Mention]) -> list[Introduction]:
        """The names introduced in one sentence, given its dictionary mentions."""
        found: list[Introduction] = []
        if CAPITAL.search(text, 1):  # no capital after the first letter: no name
            found += self._titled(index, text, mentions)
            found += self._appositions(index, text, mentions)
            found += self._bodies(index, text, mentions)
        kept: list[Introduction] = []
        for intro in sorted(found, key=lambda i: (i.start, -i.end)):
            if not any(k.start <= intro.start < k.end for k in kept):
                kept.append(intro)
        return kept

    def _known_person_at(self, mentions: Sequence[Mention], start: int, end: int) -> bool:
        """Whether a dictionary mention already names the span (a known person or actor)."""
        for m in mentions:
            if m.start <= start < m.end and m.end >= end - 1:
                return True
            if m.start == start and self.dictionary[m.actor].kind == "person":
                return True
        return False

    def _affiliation(self, text: str, mentions: Sequence[Mention], start: int, end: int) -> str | None:
        """The country or body named by the title phrase ``[start, end)``: a mention inside or
        just before it ("Peru's Foreign Minister", "Chinese foreign ministry spokesperson"),
        else a demonym just before it ("Chilean Interior Minister")."""
        if FORMER_NEAR.search(text, max(0, start - 50), start):
            return None  # "former Colombian President X" speaks for himself
        best = None
        for m in mentions:
            if m.end <= end and m.end >= start - 3 and m.start < end and m.via in ("name", "venue") \
                    and (m.end > start or JOINS_TITLE.fullmatch(text, m.end, start)):
                actor = self.dictionary[m.actor]
                if actor.kind in STATE_KINDS:
                    best = self.dictionary.roll_up(m.actor) if actor.kind == "institution" else m.actor
                elif actor.kind == "person":
                    best = None
        if best is None:
            word = DEMONYM_BEFORE.search(text, max(0, start - 30), start)
            if word and word[1] in self._demonyms:
                best = self._demonyms[word[1]]
        return best

    def _person(self, index: int, text: str, mentions: Sequence[Mention], name_start: int, name: str,
                affiliation: str | None, cue: str) -> Introduction | None:
        name = re.sub(r"(?:'s|’s|')$", "", name.rstrip(".,"))
        tokens = name.split()
        while tokens and (tokens[0] in NOT_NAMES or tokens[0] in _NOT_FIRST_NAMES):  # "Foreign Minister X", "Later X"
            name_start = text.index(tokens[1], name_start) if len(tokens) > 1 else name_start
            tokens = tokens[1:]
        while tokens and tokens[-1] in NOT_NAMES:
            tokens = tokens[:-1]
        capitals = [t for t in tokens if t[:1].isupper()]
        if len(capitals) < 2 or any(t in NOT_NAMES for t in tokens) or fold(" ".join(tokens)) in self._demonyms:
            return None
        name = " ".join(tokens)
        end = name_start + len(name)
        if text[name_start:end] != name or self._known_person_at(mentions, name_start, end):
            return None
        if any(m.start == name_start and m.end >= end for m in mentions):
            return None  # the whole name is a country or body of the dictionary
        gender = "f" if FEMALE_TITLES.search(cue) else "m" if MALE_TITLES.search(cue) else None
        return Introduction(index, name_start, end, name, "person", affiliation, cue, gender)

    def _titled(self, index: int, text: str, mentions: Sequence[Mention]) -> list[Introduction]:
        out = []
        # Found from the title's head word, then the name after it and the modifiers before it:
        # one regex with the modifiers first tried them at every word of every sentence.
        for head in TITLE_HEAD.finditer(text):
            named = TITLE_NAME.match(text, head.end())
            if named is None:
                self._described(index, text, mentions, head, out)
                continue
            modifiers = TITLE_MODIFIERS_BEFORE.search(text, max(0, head.start() - 60), head.start())
            start = modifiers.start() if modifiers else head.start()
            affiliation = self._affiliation(text, mentions, start, named.start("name"))
            if affiliation is None:  # "President Luis Abinader of the Dominican Republic"
                of = OF_AFTER_NAME.match(text, named.end("name"))
                place = next((m for m in mentions if of and m.start == of.end()), None)
                if place is not None and self.dictionary[place.actor].kind in STATE_KINDS:
                    affiliation = place.actor
            intro = self._person(index, text, mentions, named.start("name"), named["name"], affiliation,
                                 text[start:named.start("name")].strip(" ,"))
            if intro:
                out.append(intro)
        for match in REGNAL.finditer(text):
            start, end = match.span("name")
            if not any(m.start < end and start < m.end for m in mentions):
                gender = "f" if match["name"].startswith(("Queen", "Princess")) else "m"
                out.append(Introduction(index, start, end, match["name"], "person", None, match["name"].split()[0], gender))
        return out

    def _described(self, index: int, text: str, mentions: Sequence[Mention], head: re.Match[str],
                   out: list[Introduction]) -> None:
        """A name described by an apposition with an article: "Lin Jian, a spokesperson for
        the foreign ministry,", "Stephane Dujarric, the UN spokesman,". The affiliation is
        the country or body named in the apposition, if any."""
        before = DESCRIBED_NAME.search(text, max(0, head.start() - 120), head.start())
        if before is None:
            return
        stop = text.find(",", head.end())
        stop = len(text) if stop < 0 else stop
        inside = [m for m in mentions if before.end("name") < m.start < stop and m.via in ("name", "venue")
                  and self.dictionary[m.actor].kind in STATE_KINDS]
        affiliation = None if not inside or FORMER_NEAR.search(text, before.end("name"), head.start()) else inside[0].actor
        if affiliation and self.dictionary[affiliation].kind == "institution":
            affiliation = self.dictionary.roll_up(affiliation)
        intro = self._person(index, text, mentions, before.start("name"), before["name"], affiliation,
                             text[before.end("name"):stop].strip(" ,"))
        if intro:
            out.append(intro)

    def _appositions(self, index: int, text: str, mentions: Sequence[Mention]) -> list[Introduction]:
        out = []
        for m in mentions:
            if m.via not in ("name", "venue") or self.dictionary[m.actor].kind not in STATE_KINDS:
                continue
            extension = TITLE_AFTER_MENTION.match(text, m.end)
            if extension is None and _last_words(m.text) not in TITLE_HEAD_WORDS:
                continue
            end = extension.end() if extension else m.end
            affiliation = m.actor if not _after_former(text, m.start) else None
            cue = text[m.start:end]
            before = NAME_BEFORE.search(text, max(0, m.start - 80), m.start)
            if before:
                intro = self._person(index, text, mentions, before.start("name"), before["name"], affiliation, cue)
                if intro:
                    out.append(intro)
            after = NAME_AFTER.match(text, end)
            if after and text[end:end + 1] == ",":
                intro = self._person(index, text, mentions, after.start("name"), after["name"], affiliation, cue)
                if intro:
                    out.append(intro)
        return out

    def _bodies(self, index: int, text: str, mentions: Sequence[Mention]) -> list[Introduction]:
        out = []
        for match in _body_matches(text):
            start, end = match.span("body")
            words = match["body"].split()
            affiliation = place = None  # the actor it speaks for; the country's name, for its own
            while words and words[0] in SKIP_ORG_WORDS:
                start = text.index(words[1], start) if len(words) > 1 else end
                words = words[1:]
            # A country before the body: "Peru's Congress", "Peru Congress", "Peruvian Congress".
            lead = next((m for m in mentions if m.start == start and m.end < end), None)
            possessive = POSSESSIVE.match(text, start)
            if lead and self.dictionary[lead.actor].kind == "country":
                affiliation = place = lead.actor
                start = lead.end + len(text[lead.end:end]) - len(text[lead.end:end].lstrip("'’s "))
            elif possessive and possessive[1] == self.home_name:  # "Bolivia's", when Bolivia is no actor
                affiliation, place, start = self.home_actor, self.home_name, possessive.end()
            elif words and words[0] in self._demonyms:
                affiliation = self._demonyms[words[0]]
            words = text[start:end].split()
            kind = _ORG_HEADS[match["head"]]
            if affiliation is None and match["head"] in HOME_BODIES and len(words) > 1 \
                    and all(w in GENERIC_WORDS for w in words[:-1]):
                # "the Constitutional Court", in an article about the event: its country's.
                affiliation, place = self.home_actor, self.home_name
            if affiliation is None and (len(words) < 2 or all(w in GENERIC_WORDS for w in words[:-1])):
                continue  # "the Senate", "the Foreign Ministry": whose?
            inside = [m for m in mentions if m.start < end and start < m.end]
            head_end = match.end("head")
            if inside and all(m.start > head_end and self.dictionary[m.actor].kind == "country" for m in inside):
                affiliation, inside = inside[0].actor, []  # "the Constitutional Court of Ecuador"
            if not words or inside:
                continue  # a body of the dictionary ("the Carter Center", "National Electoral Council")
            body = " ".join(words)
            name = f"{body} of {place}" if place and " of " not in body else body
            out.append(Introduction(index, start, end, name, kind, affiliation, text[match.start():match.end()],
                                    short=match["short"]))
        return out

    # --- one article --------------------------------------------------------------------

    def infer(self, sentences: Sequence[Sentence], named: Sequence[list[Mention]]) -> ArticleActors:
        """The article's introduced actors, its mentions with theirs, its extended dictionary.

        A mention of the dictionary inside an introduced name ("Gil" in "Carlos Gil",
        "Jordan" in "Jordan Bardella") gives way to it. After the introduction, the
        surname alone ("Vieira said") and an acronym given in brackets ("(EPP)") name
        the same actor.
        """
        introductions = [i for s, ms in zip(sentences, named, strict=True) for i in self.introductions(s.index, s.text, ms)]
        if not introductions:
            return ArticleActors(self.dictionary, list(named))
        actors: dict[str, Actor] = {}
        short_forms: dict[str, tuple[str, int]] = {}  # surname or acronym -> (actor, first sentence)
        for intro in introductions:
            if intro.name in self.dictionary:
                continue
            if intro.name not in actors:
                roles = (Role(intro.affiliation),) if intro.affiliation and intro.kind != "group" else ()
                actors[intro.name] = Actor(intro.name, intro.kind, aliases=(intro.name,), gender=intro.gender,
                                           roles=roles, inferred=True)
                for form in _short_forms(intro):
                    short_forms.setdefault(form, (intro.name, intro.sentence))
        dictionary = self.dictionary.extended(actors.values())
        by_sentence: dict[int, list[Introduction]] = {}
        for intro in introductions:
            if intro.name in actors:
                by_sentence.setdefault(intro.sentence, []).append(intro)
        pattern = re.compile(r"(?<![\w'’-])(?:" + "|".join(map(re.escape, sorted(short_forms, key=len, reverse=True)))
                             + r")(?![\w-])") if short_forms else None
        counts: dict[str, int] = {}
        out = []
        for sentence, mentions in zip(sentences, named, strict=True):
            added = [Mention(i.name, i.start, i.end, sentence.text[i.start:i.end]) for i in by_sentence.get(sentence.index, [])]
            if pattern is not None:
                for match in pattern.finditer(sentence.text):
                    actor, first = short_forms[match.group()]
                    if sentence.index >= first and not any(a.start <= match.start() < a.end for a in added):
                        added.append(Mention(actor, match.start(), match.end(), match.group()))
            if added:
                # Dictionary mentions inside an introduced name give way ("Gil" in "Carlos Gil");
                # an inferred surname gives way to a dictionary name that covers more.
                added = [a for a in added if not any((m.start <= a.start and a.end < m.end) or
                                                     (m.start < a.start and a.end <= m.end) for m in mentions)]
                mentions = [m for m in mentions if not any(a.start <= m.start < a.end for a in added)] + added
                mentions.sort(key=lambda m: (m.start, m.end))
                for a in added:
                    counts[a.actor] = counts.get(a.actor, 0) + 1
            out.append(mentions)
        return ArticleActors(dictionary, out, [i for i in introductions if i.name in actors], counts)


def _last_words(text: str) -> str:
    """The last one or two words, lower-cased, as a title head may be ("prime minister")."""
    words = text.lower().split()
    two = " ".join(words[-2:])
    return two if two in TITLE_HEAD_WORDS else words[-1] if words else ""


def _short_forms(intro: Introduction) -> list[str]:
    """The forms that name an introduced actor later in its article: a person's surname
    ("Vieira", "González-Olaechea", "da Silva" and "Silva"), a body's bracketed acronym."""
    if intro.kind != "person":
        return [intro.short] if intro.short else []
    tokens = intro.name.split()
    forms = [tokens[-1]]
    first = len(tokens) - 1
    while first > 1 and tokens[first - 1][:1].islower():  # "da Silva", "de la Fuente", "van der Bellen"
        first -= 1
    if first < len(tokens) - 1:
        forms.append(" ".join(tokens[first:]))
    return [f for f in forms if len(f) > 2 and f not in NOT_NAMES]



@dataclass
class Suggestion:
    """An unknown name seen in a corpus, for ``stance actors suggest``."""

    name: str
    kind: str
    affiliation: str | None
    count: int = 0
    articles: int = 0
    sample: str = ""
    cue: str = ""
    gender: str | None = None


def suggest(inference: ActorInference, documents: Sequence[tuple[Sequence[Sentence], Sequence[list[Mention]]]]
            ) -> list[Suggestion]:
    """Every name the articles introduce that the dictionary lacks, most mentioned first.

    Parameters
    ----------
    inference : ActorInference
    documents : sequence of (sentences, named mentions) per article

    Returns
    -------
    list of Suggestion, by decreasing count, then name.
    """
    out: dict[str, Suggestion] = {}
    for sentences, named in documents:
        found = inference.infer(sentences, named)
        texts = {s.index: s.text for s in sentences}
        for intro in found.introductions:
            entry = out.setdefault(intro.name, Suggestion(intro.name, intro.kind, intro.affiliation,
                                                          sample=texts[intro.sentence], cue=intro.cue,
                                                          gender=intro.gender))
            entry.affiliation = entry.affiliation or intro.affiliation
        for name, count in found.counts.items():
            out[name].count += count
            out[name].articles += 1
        # Names with no title nor affiliation, that speak ("Ana Ruiz said"): listed, not inferred.
        seen: set[str] = set()
        for sentence, mentions in zip(sentences, found.mentions, strict=True):
            for match in NAME_SPEAKS.finditer(sentence.text):
                tokens = match["name"].split()
                while tokens and (tokens[0] in NOT_NAMES or tokens[0] in _NOT_FIRST_NAMES):
                    tokens = tokens[1:]
                start = match.end("name") - len(" ".join(tokens))
                if len(tokens) < 2 or any(t in _ORG_HEADS for t in tokens) \
                        or any(m.start < match.end("name") and start < m.end for m in mentions):
                    continue
                name = " ".join(tokens)
                entry = out.setdefault(name, Suggestion(name, "person", None, sample=sentence.text, cue="speaks"))
                entry.count += 1
                if name not in seen:
                    seen.add(name)
                    entry.articles += 1
    return sorted(out.values(), key=lambda s: (-s.count, s.name))


def suggestion_toml(suggestion: Suggestion) -> str:
    """An ``[[actors]]`` entry for the dictionary, to check and paste."""
    lines = ["[[actors]]", f"name = {_toml_string(suggestion.name)}", f'kind = "{suggestion.kind}"']
    if suggestion.gender:
        lines.append(f'gender = "{suggestion.gender}"')
    aliases = [suggestion.name]
    if suggestion.kind == "person" and len(suggestion.name.split()) > 1:
        aliases.append(suggestion.name.split()[-1])
    lines.append("aliases = [" + ", ".join(map(_toml_string, aliases)) + "]")
    if suggestion.affiliation and suggestion.kind != "group":
        lines.append(f"roles = [{{ for = {_toml_string(suggestion.affiliation)} }}]")
    return "\n".join(lines) + "\n"


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
