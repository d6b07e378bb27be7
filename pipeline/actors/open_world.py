"""Actors beyond the dictionary: people and organisations an article introduces itself.

News names many people no dictionary lists, and it introduces them so that a reader can
place them: a title ("Uruguayan Foreign Minister Omar Paganini", "Treasury Secretary Scott
Bessent", "Chinese foreign ministry spokesperson Mao Ning"), an apposition ("Mauro
Vieira, Brazil's foreign minister," / "Brazil's foreign minister, Mauro Vieira,"). Bodies
that take positions are named by capitalised phrases ending in an institution's noun
("Peru's Congress", "the European People's Party"). A person named with neither, who
speaks or acts ("Keiko Fujimori told reporters", "Luis Galarreta, her running mate,
rejected the count"), is taken too, affiliated only to a country that owns the name
("Barbados's Mia Mottley said").

:class:`ActorInference` reads one article's sentences with the dictionary's mentions and
returns the actors so introduced (``inferred=True``, camp None, an undated role for the
country or organisation of the phrase, so that ``--level country`` counts them for it),
their mentions (with later bare surnames: "Vieira said"), and the article's dictionary
extended with them, for :class:`~pipeline.actors.coreference.Coreference` and the pairs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from pipeline.actors.dictionary import Actor, ActorDictionary, Role
from pipeline.actors.matcher import Mention, after_former
from pipeline.actors.text import fold
from pipeline.lang import LanguagePack, OpenWorldRules, english
from pipeline.segment import Sentence


def _body_matches(text: str, rules: OpenWorldRules) -> Iterator[re.Match[str]]:
    """The matches of the pack's ``organisation`` in ``text``, found from their head nouns (rare)
    and extended back over up to four capitalised words: the pattern tried at every word
    cost more than the rest of the stage."""
    done = 0
    for head in rules.body_head.finditer(text):
        if head.start() < done:
            continue
        before = rules.body_start.search(text, max(done, head.start() - 80), head.start())
        match = rules.organisation.match(text, before.start() if before else head.start())
        if match is not None:
            done = match.end()
            yield match


STATE_KINDS = ("country", "organisation", "institution")
CAPITAL = re.compile(r"[A-Z]")


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

    def __init__(self, dictionary: ActorDictionary, home_government: str | None = None,
                 lang: LanguagePack | None = None) -> None:
        self.dictionary = dictionary
        self.lang = lang or english()
        self.rules = self.lang.open_world
        home = home_government if home_government in dictionary else None
        self.home_name = home.removeprefix("Government of ") if home and home.startswith("Government of ") else None
        self.home_actor = self.home_name if self.home_name in dictionary else home if self.home_name else None
        self._demonyms = {a.demonym: a.name for a in dictionary if a.kind == "country" and a.demonym}
        # The event's country named before a title, up to two lower-case words before it.
        self._home_possessive = re.compile(rf"\b{re.escape(self.home_name)}['’]s\s+(?:[a-z][\w-]*\s+){{0,2}}$") \
            if self.home_name and self.home_name not in dictionary else None

    # --- one sentence -------------------------------------------------------------------

    def introductions(self, index: int, text: str, mentions: Sequence[Mention]) -> list[Introduction]:
        """The names introduced in one sentence, given its dictionary mentions."""
        found: list[Introduction] = []
        if CAPITAL.search(text, 1):  # no capital after the first letter: no name
            found += self._titled(index, text, mentions)
            found += self._appositions(index, text, mentions)
            found += self._bodies(index, text, mentions)
            # A title or an apposition says more than a verb: "Minister of the Presidency Juan
            # Quintana said" is Juan Quintana, introduced by his title.
            found += [s for s in self._speakers(index, text, mentions)
                      if not any(f.start < s.end and s.start < f.end for f in found)]
        kept: list[Introduction] = []
        for intro in sorted(found, key=lambda i: (i.start, -i.end)):
            if not any(k.start <= intro.start < k.end for k in kept):
                kept.append(intro)
        return kept

    def _name_words(self, text: str, start: int, words: list[str]) -> tuple[int, list[str]]:
        """``words`` of a name found at ``start`` in ``text`` without the leading words that
        are never a name ("The", "Later", "Minister"), and where what is left starts."""
        not_first = self.lang.actors.not_first_names
        while words and (words[0] in self.rules.not_names or words[0] in not_first):
            start = text.index(words[1], start + len(words[0])) if len(words) > 1 else start
            words = words[1:]
        return start, words

    def _speakers(self, index: int, text: str, mentions: Sequence[Mention]) -> list[Introduction]:
        """People named with no title who speak or act ("Keiko Fujimori told reporters",
        "Luis Galarreta, her running mate, said"), not after a preposition or an article (a
        place, a body). Only a country that owns the name ("Barbados's Mia Mottley said")
        gives them an affiliation; else they count for no country."""
        out = []
        for match in self.rules.name_speaks.finditer(text):
            start, words = self._name_words(text, match.start("name"), match["name"].split())  # "The", "Later"
            name = " ".join(words)
            if self.rules.not_speaker_before.search(text, max(0, start - 12), start):
                continue  # "its correspondent in Santa Cruz said", "The Frente Amplio said"
            owner = max(name.rfind("'s "), name.rfind("’s "))
            if owner >= 0:  # "Paraguay's Santiago Peña said": the name after its owner
                start, name = start + owner + 3, name[owner + 3:]
            titles = list(self.rules.title_head.finditer(name))
            if titles:  # "Opposition Leader Juan Pérez said": the name after the title
                start, name = start + titles[-1].end(), name[titles[-1].end():]
                start, name = start + len(name) - len(name.lstrip()), name.lstrip()
            end = start + len(name)
            if any(word in self.rules.org_heads for word in name.split()) \
                    or any(m.start < end and start < m.end for m in mentions):
                continue  # a body ("Human Rights Watch said"), or a name the dictionary knows
            # "Barbados's Mia Mottley said": the owner is whom she speaks for.
            owner_actor = next((m.actor for m in mentions if text[m.end:start] in ("'s ", "’s ")
                                and self.dictionary[m.actor].kind in STATE_KINDS), None)
            if owner_actor and self.dictionary[owner_actor].kind == "institution":
                owner_actor = self.dictionary.roll_up(owner_actor)
            intro = self._person(index, text, mentions, start, name, owner_actor, "speaks")
            if intro:
                out.append(intro)
        return out

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
        if self.rules.former_near.search(text, max(0, start - 50), start):
            return None  # "former Colombian President X" speaks for himself
        best = None
        for m in mentions:
            if m.end <= end and m.end >= start - 3 and m.start < end and m.via in ("name", "venue") \
                    and (m.end > start or self.rules.joins_title.fullmatch(text, m.end, start)):
                actor = self.dictionary[m.actor]
                if actor.kind in STATE_KINDS:
                    best = self.dictionary.roll_up(m.actor) if actor.kind == "institution" else m.actor
                elif actor.kind == "person":
                    best = None
        if best is None:
            word = self.rules.demonym_before.search(text, max(0, start - 30), start)
            if word and word[1] in self._demonyms:
                best = self._demonyms[word[1]]
        if best is None and self._home_possessive and self._home_possessive.search(text, max(0, start - 40), start):
            best = self.home_actor  # "Bolivia's health minister", when Bolivia is no actor
        return best

    def _person(self, index: int, text: str, mentions: Sequence[Mention], name_start: int, name: str,
                affiliation: str | None, cue: str) -> Introduction | None:
        name = re.sub(r"(?:'s|’s|')$", "", name.rstrip(".,"))
        name_start, tokens = self._name_words(text, name_start, name.split())  # "Foreign Minister X", "Later X"
        while tokens and tokens[-1] in self.rules.not_names:
            tokens = tokens[:-1]
        capitals = [t for t in tokens if t[:1].isupper() or CAPITAL.match(t.partition("-")[2])]  # "al-Assad"
        if len(capitals) < 2 or any(t in self.rules.not_names for t in tokens) or fold(" ".join(tokens)) in self._demonyms:
            return None
        name = " ".join(tokens)
        end = name_start + len(name)
        if text[name_start:end] != name or self._known_person_at(mentions, name_start, end):
            return None
        if any(m.start == name_start and m.end >= end for m in mentions):
            return None  # the whole name is a country or body of the dictionary
        gender = "f" if self.rules.female_titles.search(cue) else "m" if self.rules.male_titles.search(cue) else None
        return Introduction(index, name_start, end, name, "person", affiliation, cue, gender)

    def _titled(self, index: int, text: str, mentions: Sequence[Mention]) -> list[Introduction]:
        out = []
        # Found from the title's head word, then the name after it and the modifiers before it:
        # one regex with the modifiers first tried them at every word of every sentence.
        for head in self.rules.title_head.finditer(text):
            named = self.rules.title_name.match(text, head.end())
            if named is None:
                self._described(index, text, mentions, head, out)
                continue
            modifiers = self.rules.title_modifiers_before.search(text, max(0, head.start() - 60), head.start())
            start = modifiers.start() if modifiers else head.start()
            affiliation = self._affiliation(text, mentions, start, named.start("name"))
            if affiliation is None:  # "President Luis Abinader of the Dominican Republic"
                of = self.rules.of_after_name.match(text, named.end("name"))
                place = next((m for m in mentions if of and m.start == of.end()), None)
                if place is not None and self.dictionary[place.actor].kind in STATE_KINDS:
                    affiliation = place.actor
            intro = self._person(index, text, mentions, named.start("name"), named["name"], affiliation,
                                 text[start:named.start("name")].strip(" ,"))
            if intro:
                out.append(intro)
        for match in self.rules.regnal.finditer(text):
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
        before = self.rules.described_name.search(text, max(0, head.start() - 120), head.start())
        if before is None:
            return
        stop = text.find(",", head.end())
        stop = len(text) if stop < 0 else stop
        inside = [m for m in mentions if before.end("name") < m.start < stop and m.via in ("name", "venue")
                  and self.dictionary[m.actor].kind in STATE_KINDS]
        former = self.rules.former_near.search(text, before.end("name"), head.start())
        affiliation = None if not inside or former else inside[0].actor
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
            extension = self.rules.title_after_mention.match(text, m.end)
            if extension is None and _last_words(m.text, self.rules) not in self.rules.title_head_words:
                continue
            end = extension.end() if extension else m.end
            affiliation = m.actor if not after_former(text, m.start, self.lang.actors) else None
            cue = text[m.start:end]
            before = self.rules.name_before.search(text, max(0, m.start - 80), m.start)
            if before:
                intro = self._person(index, text, mentions, before.start("name"), before["name"], affiliation, cue)
                if intro:
                    out.append(intro)
            after = self.rules.name_after.match(text, end)
            if after and text[end:end + 1] == ",":
                intro = self._person(index, text, mentions, after.start("name"), after["name"], affiliation, cue)
                if intro:
                    out.append(intro)
        return out

    def _bodies(self, index: int, text: str, mentions: Sequence[Mention]) -> list[Introduction]:
        out = []
        for match in _body_matches(text, self.rules):
            start, end = match.span("body")
            words = match["body"].split()
            affiliation = place = None  # the actor it speaks for; the country's name, for its own
            while words and words[0] in self.rules.skip_org_words:
                start = text.index(words[1], start) if len(words) > 1 else end
                words = words[1:]
            # A country before the body: "Peru's Congress", "Peru Congress", "Peruvian Congress".
            lead = next((m for m in mentions if m.start == start and m.end < end), None)
            possessive = self.rules.possessive.match(text, start)
            if lead and self.dictionary[lead.actor].kind == "country":
                affiliation = place = lead.actor
                start = lead.end + len(text[lead.end:end]) - len(text[lead.end:end].lstrip("'’s "))
            elif possessive and possessive[1] == self.home_name:  # "Bolivia's", when Bolivia is no actor
                affiliation, place, start = self.home_actor, self.home_name, possessive.end()
            elif words and words[0] in self._demonyms:
                affiliation = self._demonyms[words[0]]
            words = text[start:end].split()
            kind = self.rules.org_heads[match["head"]]
            if affiliation is None and match["head"] in self.rules.home_bodies and len(words) > 1 \
                    and all(w in self.rules.generic_words for w in words[:-1]):
                # "the Constitutional Court", in an article about the event: its country's.
                affiliation, place = self.home_actor, self.home_name
            if affiliation is None and (len(words) < 2 or all(w in self.rules.generic_words for w in words[:-1])):
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
                for form in _short_forms(intro, self.rules):
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


def _last_words(text: str, rules: OpenWorldRules) -> str:
    """The last one or two words, lower-cased, as a title head may be ("prime minister")."""
    words = text.lower().split()
    two = " ".join(words[-2:])
    return two if two in rules.title_head_words else words[-1] if words else ""


def _short_forms(intro: Introduction, rules: OpenWorldRules) -> list[str]:
    """The forms that name an introduced actor later in its article: a person's surname
    ("Vieira", "González-Olaechea", "da Silva" and "Silva", "al-Assad" and "Assad"), a body's
    bracketed acronym."""
    if intro.kind != "person":
        return [intro.short] if intro.short else []
    tokens = intro.name.split()
    forms = [tokens[-1]]
    article, hyphen, surname = tokens[-1].partition("-")
    if hyphen and article.islower():
        forms.append(surname)
    first = len(tokens) - 1
    while first > 1 and tokens[first - 1][:1].islower():  # "da Silva", "de la Fuente", "van der Bellen"
        first -= 1
    if first < len(tokens) - 1:
        forms.append(" ".join(tokens[first:]))
    return [f for f in forms if len(f) > 2 and f not in rules.not_names]


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
