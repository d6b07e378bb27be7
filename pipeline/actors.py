"""Stage 3: find the actors of each sentence.

Three small components, each with one job:

* :class:`ActorDictionary` loads and validates the actor dictionary (TOML);
* :class:`ActorMatcher` finds named mentions (aliases, demonym phrases, capitals) in text;
* :class:`Coreference` adds mentions made by pronouns, group phrases and list headings,
  resolved to the most recent compatible actors of the same article.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pipeline.errors import StanceError
from pipeline.segment import Sentence

KINDS = ("country", "organisation", "institution", "person", "group")
CAMPS = ("pro", "anti")
# Government phrases generated from a country's demonym ("the Brazilian government").
DEMONYM_PHRASES = (
    "{d} government", "{d} officials", "{d} authorities", "{d} diplomats", "{d} foreign ministry",
    "{d} Foreign Ministry", "{d} president", "{d} President", "{d} leader", "{d} foreign minister",
    "{d} Foreign Minister", "{d} prime minister", "{d} Prime Minister", "{d} delegation",
    "{d} administration", "{d} embassy", "{d} Embassy", "{d} ambassador", "{d} chancellery",
    "{d} presidency", "{d} Presidency", "{d} executive", "{d} envoy", "{d} leaders", "{d} minister",
)
COUNTRY_PHRASES = (
    "{c}'s government", "the government of {c}", "{c}'s foreign ministry", "{c}'s president",
    "{c}'s leader", "{c}'s foreign minister", "{c}'s prime minister", "{c}'s Foreign Ministry",
    "the {c} government", "the president of {c}", "{c}'s administration",
)
FORMER = re.compile(r"(?:\b[Ff]ormer|\bex-|\bthen-|\blate)\s*$")


def fold(text: str) -> str:
    """Strip accents and unify apostrophes and spaces, keeping every offset in place."""
    return text.translate(_FOLD)


def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0xA0, 0x2050):
        char = chr(code)
        base = unicodedata.normalize("NFD", char)[0]
        if base != char and base.isascii() and base.isalpha():
            table[code] = base
    table.update({ord(c): "'" for c in "’‘ʼ´`"})
    table.update({ord(c): " " for c in "\u00a0\u2007\u202f\t"})
    table.update({ord(c): "-" for c in "‐‑‒–"})
    return table


_FOLD = _fold_table()


@dataclass(frozen=True)
class Role:
    """Whom an actor speaks for, optionally within ``[start, until)``."""

    speaks_for: str
    start: date | None = None
    until: date | None = None

    def applies(self, when: date | None) -> bool:
        """Undated roles always apply; dated roles only when the article date is known and inside."""
        if self.start is None and self.until is None:
            return True
        if when is None:
            return False
        return (self.start is None or when >= self.start) and (self.until is None or when < self.until)


@dataclass(frozen=True)
class Actor:
    """An actor of the dictionary: canonical name, kind, aliases and roles."""

    name: str
    kind: str
    aliases: tuple[str, ...] = ()
    demonym: str | None = None
    camp: str | None = None
    gender: str | None = None
    roles: tuple[Role, ...] = ()

    def speaks_for(self, when: date | None) -> str:
        """The actor this one rolls up to at country level on ``when`` (itself if none)."""
        for role in self.roles:
            if role.applies(when):
                return role.speaks_for
        return self.name

    def surface_forms(self) -> list[str]:
        """Every string that names this actor: its name, aliases, demonym phrases."""
        forms = [self.name, *self.aliases]
        if self.demonym:
            forms += [p.format(d=self.demonym) for p in DEMONYM_PHRASES]
            forms += ["the " + p.format(d=self.demonym) for p in DEMONYM_PHRASES]
        if self.kind == "country":
            forms += [p.format(c=self.name) for p in COUNTRY_PHRASES]
        return forms


@dataclass
class ActorDictionary:
    """The actors of a target, by canonical name."""

    actors: dict[str, Actor]
    source: Path | None = None

    @classmethod
    def load(cls, path: Path) -> ActorDictionary:
        """Read and validate a TOML dictionary; errors name the file and the entry."""
        try:
            raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise StanceError(f"{path}: actor dictionary not found") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise StanceError(f"{path}: not valid TOML ({exc})") from None
        entries = raw.get("actors")
        if not isinstance(entries, list) or not entries:
            raise StanceError(f"{path}: no [[actors]] entries")
        return cls.from_entries(entries, source=Path(path))

    @classmethod
    def from_entries(cls, entries: Sequence[dict], source: Path | None = None) -> ActorDictionary:
        where = str(source) if source else "actor dictionary"
        actors: dict[str, Actor] = {}
        for number, entry in enumerate(entries, start=1):
            actor = _parse_actor(entry, f"{where}: entry {number}")
            if actor.name in actors:
                raise StanceError(f"{where}: entry {number}: duplicate actor name {actor.name!r}")
            actors[actor.name] = actor
        owner: dict[str, str] = {}
        for actor in actors.values():
            for role in actor.roles:
                if role.speaks_for not in actors:
                    raise StanceError(f"{where}: actor {actor.name!r}: role for unknown actor {role.speaks_for!r}")
            for form in actor.surface_forms():
                key = fold(form)
                if owner.setdefault(key, actor.name) != actor.name:
                    raise StanceError(f"{where}: alias {form!r} names both {owner[key]!r} and {actor.name!r}")
        return cls(actors=actors, source=source)

    def __contains__(self, name: object) -> bool:
        return name in self.actors

    def __getitem__(self, name: str) -> Actor:
        return self.actors[name]

    def __iter__(self):
        return iter(self.actors.values())

    def __len__(self) -> int:
        return len(self.actors)


def _parse_actor(entry: object, where: str) -> Actor:
    if not isinstance(entry, dict):
        raise StanceError(f"{where}: not a table")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise StanceError(f"{where}: missing 'name'")
    where = f"{where} ({name})"
    kind = entry.get("kind")
    if kind not in KINDS:
        raise StanceError(f"{where}: kind must be one of {', '.join(KINDS)}, not {kind!r}")
    aliases = entry.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        raise StanceError(f"{where}: 'aliases' must be a list of non-empty strings")
    bad = [a for a in aliases if a.strip() in STOP_ALIASES]
    if bad:
        raise StanceError(f"{where}: alias {bad[0]!r} is a common word and would match everywhere")
    camp = entry.get("camp")
    if camp is not None and camp not in CAMPS:
        raise StanceError(f"{where}: camp must be one of {', '.join(CAMPS)}, not {camp!r}")
    gender = entry.get("gender")
    if gender is not None and gender not in ("m", "f"):
        raise StanceError(f"{where}: gender must be 'm' or 'f', not {gender!r}")
    roles = []
    for role in entry.get("roles", []):
        if not isinstance(role, dict) or not isinstance(role.get("for"), str):
            raise StanceError(f"{where}: each role needs a 'for' actor name")
        roles.append(Role(role["for"], _date(role.get("from"), where), _date(role.get("until"), where)))
    unknown = set(entry) - {"name", "kind", "aliases", "demonym", "camp", "gender", "roles"}
    if unknown:
        raise StanceError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    return Actor(name=name, kind=kind, aliases=tuple(aliases), demonym=entry.get("demonym"),
                 camp=camp, gender=gender, roles=tuple(roles))


STOP_ALIASES = frozenset({"us", "union", "he", "she", "they", "it", "we", "the", "a", "an", "government"})


def _date(value: object, where: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise StanceError(f"{where}: bad date {value!r} (use YYYY-MM-DD)") from None


@dataclass(frozen=True)
class Mention:
    """An actor mentioned in a sentence.

    ``start``/``end`` are offsets in the sentence text (equal for a mention without a
    span, such as one inherited from a list heading). ``via`` says how it was found:
    ``name``, ``pronoun``, ``group``, ``government`` or ``heading``.
    """

    actor: str
    start: int
    end: int
    text: str
    via: str = "name"


class ActorMatcher:
    """Find named mentions of dictionary actors in text.

    Matching is whole-word, case-sensitive (so the pronoun "us" never matches "US") and
    accent-insensitive; an alias starting with "the " also matches "The ". The longest
    alias wins ("Colombian President" is one mention, "Chávez's successor" is Maduro, not
    Chávez). Country and organisation mentions right after "former" are dropped: a former
    official speaks for himself, not for his country.
    """

    def __init__(self, dictionary: ActorDictionary) -> None:
        self.dictionary = dictionary
        self._owner: dict[str, str] = {}
        for actor in dictionary:
            for form in actor.surface_forms():
                for variant in _variants(fold(form)):
                    self._owner[variant] = actor.name
        body = _trie_regex(sorted(self._owner))
        self._pattern = re.compile(r"(?<![\w'-])(?:" + body + r")(?![\w]|'\w\w)")

    def find(self, text: str) -> list[Mention]:
        """Named mentions in ``text``, in order, with offsets into ``text``."""
        folded = fold(text)
        mentions = []
        for match in self._pattern.finditer(folded):
            name = self._owner.get(match.group())
            if name is None:
                continue
            if self.dictionary[name].kind in ("country", "organisation") and FORMER.search(folded, 0, match.start()):
                continue
            mentions.append(Mention(name, match.start(), match.end(), text[match.start():match.end()]))
        return mentions


def _variants(form: str) -> list[str]:
    if form.startswith("the "):
        return [form, "The" + form[3:]]
    return [form]


def _trie_regex(words: Iterable[str]) -> str:
    """A regex matching any of ``words``, longest first at each position, built as a trie
    so that the engine does not try a thousand alternatives at every character."""
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _node_regex(trie)


def _node_regex(node: dict) -> str:
    end = "" in node
    branches = [re.escape(char) + _node_regex(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if end:
        return "(?:" + body + ")?"
    return body


# --- Coreference -------------------------------------------------------------------------

PERSON_PRONOUN = re.compile(r"\b(?:[Hh]e|[Ss]he)\b")
THEY = re.compile(r"\b[Tt]hey\b")
COUNTS = {"both": 2, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}
GROUP = re.compile(
    r"\b(?:[Bb]oth|[Tt]he (?:two|three|four|five|six|seven|eight)|[Aa]ll (?:three|four|five|six|seven|eight)|"
    r"[Tt]hese|[Tt]hose|[Tt]he)\s+(?:countries|governments|nations|leaders|presidents|capitals|states)\b"
    r"|\b(?:[Bb]oth|[Aa]ll three) of them\b|\b[Aa]ll three\b"
    r"|\b[Bb]oth\b(?=\s+(?:have|had|said|say|are|were|will|would|also|called|asked|rejected|demanded|urged|sent|refused"
    r"|recogni|issued))"
)
GOVERNMENT = re.compile(r"\b[Tt]he (?:government|administration)\b(?! of\b)(?!'s?\w)")
LIST_SEPARATOR = re.compile(r"^(?:\s*,\s*|\s*,?\s*(?:and|or|as well as|plus|&)\s+(?:the\s+)?|\s+)$")
HEADING = re.compile(r"^\s*([^:.!?]{2,80}):(\s|$)")
LOOKBACK = 2  # sentences to look back for an antecedent


@dataclass
class _Context:
    """What earlier sentences of the article named, most recent last."""

    named: list[tuple[int, Mention]] = field(default_factory=list)
    groups: list[tuple[int, list[str]]] = field(default_factory=list)
    heading: list[str] = field(default_factory=list)
    heading_paragraph: int = -1


class Coreference:
    """Resolve pronouns, group phrases, "the government" and list headings to actors.

    Rules, applied per article in reading order:

    * "he"/"she": the most recent person of that gender named earlier in the sentence,
      else in the previous two sentences; nothing if none (never guessed).
    * "they": the most recent list of two or more actors ("Mexico, Colombia and Brazil")
      in the previous two sentences, when the sentence names no list itself.
    * "both countries", "the three governments", "these nations", "all three": the most
      recent list of actors, of the stated size when one is stated.
    * "the government" / "the administration": the most recent country or government named
      in the previous two sentences, else the target's home government ("the government").
    * "Argentina and Uruguay: ..." at the start of a line: the listed actors hold the
      sentences of that line, and of the next line when the heading is alone on its line.
    """

    def __init__(self, dictionary: ActorDictionary, home_government: str | None = None) -> None:
        self.dictionary = dictionary
        self.home_government = home_government if home_government in dictionary else None

    def resolve(self, sentences: Sequence[Sentence], named: Sequence[list[Mention]]) -> list[list[Mention]]:
        """Add resolved mentions to each sentence's named mentions.

        Parameters
        ----------
        sentences : sequence of Sentence, length n
        named : sequence of list of Mention, length n
            Named mentions per sentence, from :class:`ActorMatcher`.

        Returns
        -------
        list of list of Mention, length n, each sorted by offset.
        """
        context = _Context()
        out: list[list[Mention]] = []
        for sentence, mentions in zip(sentences, named, strict=True):
            found = list(mentions)
            found += self._headings(sentence, mentions, context)
            found += self._pronouns(sentence, mentions, context)
            found += self._groups(sentence, mentions, context)
            found += self._government(sentence, mentions, context)
            found.sort(key=lambda m: (m.start, m.end, m.actor))
            out.append(_dedupe(found))
            # Pronouns carry their antecedent forward: "Maduro spoke. He ... He ... He ..."
            for mention in sorted(mentions + [m for m in found if m.via == "pronoun"], key=lambda m: m.start):
                context.named.append((sentence.index, mention))
            for group in coordinated_lists(sentence.text, mentions):
                context.groups.append((sentence.index, group))
        return out

    def _recent(self, context: _Context, index: int) -> list[tuple[int, Mention]]:
        return [(i, m) for i, m in context.named if index - i <= LOOKBACK]

    def _pronouns(self, sentence: Sentence, mentions: list[Mention], context: _Context) -> list[Mention]:
        found = []
        for match in PERSON_PRONOUN.finditer(sentence.text):
            gender = "m" if match.group().lower() == "he" else "f"

            def compatible(m: Mention, gender: str = gender) -> bool:
                actor = self.dictionary[m.actor]
                return actor.kind == "person" and actor.gender == gender and m.via != "heading"

            # Prefer the subject: the first compatible person earlier in this sentence, else
            # the first one of the nearest earlier sentence that has one.
            person = next((m.actor for m in mentions if m.end <= match.start() and compatible(m)), None)
            if person is None:
                for back in range(1, LOOKBACK + 1):
                    earlier = [m for i, m in context.named if i == sentence.index - back and compatible(m)]
                    if earlier:
                        person = earlier[0].actor
                        break
            if person:
                found.append(Mention(person, match.start(), match.end(), match.group(), "pronoun"))
        return found

    def _groups(self, sentence: Sentence, mentions: list[Mention], context: _Context) -> list[Mention]:
        found = []
        own_lists = coordinated_lists(sentence.text, mentions)
        for match in list(GROUP.finditer(sentence.text)) + list(THEY.finditer(sentence.text)):
            words = match.group().lower().split()
            size = next((COUNTS[w] for w in words if w in COUNTS), None)
            before = [g for g in own_lists if _list_end(g, mentions) <= match.start()]
            if words[0] == "they" and before:
                continue
            pool = [g for i, g in context.groups if sentence.index - i <= LOOKBACK + (words[0] != "they")]
            pool += before
            group = next((g for g in reversed(pool) if size is None or len(g) == size), None)
            if group:
                found += [Mention(a, match.start(), match.end(), match.group(), "group") for a in group]
        return found

    def _government(self, sentence: Sentence, mentions: list[Mention], context: _Context) -> list[Mention]:
        found = []
        for match in GOVERNMENT.finditer(sentence.text):
            candidates = self._recent(context, sentence.index) + [(sentence.index, m) for m in mentions
                                                                 if m.end <= match.start()]
            actor = next((m.actor for _, m in reversed(candidates)
                          if self.dictionary[m.actor].kind == "country" or m.actor == self.home_government), None)
            if actor is None and "government" in match.group():
                actor = self.home_government
            if actor:
                found.append(Mention(actor, match.start(), match.end(), match.group(), "government"))
        return found

    def _headings(self, sentence: Sentence, mentions: list[Mention], context: _Context) -> list[Mention]:
        line_start = sentence.index == 0 or sentence.start == 0 or sentence.paragraph != context.heading_paragraph
        match = HEADING.match(sentence.text)
        if match and line_start:
            head = [m for m in mentions if m.end <= match.end(1)]
            leftover = re.sub(r"\b(?:and|or|the)\b|[,&\s]", "", _blank(match.group(1), head))
            if head and not leftover:
                context.heading = list(dict.fromkeys(m.actor for m in head))
                alone = not sentence.text[match.end():].strip()
                context.heading_paragraph = sentence.paragraph + (1 if alone else 0)
                return []
        if context.heading and sentence.paragraph == context.heading_paragraph:
            present = {m.actor for m in mentions}
            return [Mention(a, 0, 0, "", "heading") for a in context.heading if a not in present]
        if sentence.paragraph > context.heading_paragraph:
            context.heading = []
        return []


def coordinated_lists(text: str, mentions: Sequence[Mention]) -> list[list[str]]:
    """Runs of two or more different actors joined only by commas, "and", "or", "as well as".

    "Mexico, Colombia and Brazil asked ..." gives ``[["Mexico", "Colombia", "Brazil"]]``.
    """
    lists: list[list[str]] = []
    run: list[Mention] = []
    for mention in sorted(mentions, key=lambda m: m.start):
        if mention.start == mention.end:
            continue
        if run and LIST_SEPARATOR.match(text[run[-1].end:mention.start]):
            run.append(mention)
            continue
        _close(run, lists)
        run = [mention]
    _close(run, lists)
    return lists


def list_spans(text: str, mentions: Sequence[Mention]) -> list[tuple[int, int]]:
    """Character spans of the coordinated lists found by :func:`coordinated_lists`."""
    spans = []
    run: list[Mention] = []
    for mention in sorted((m for m in mentions if m.start < m.end), key=lambda m: m.start):
        if run and LIST_SEPARATOR.match(text[run[-1].end:mention.start]):
            run.append(mention)
            continue
        if len({m.actor for m in run}) >= 2:
            spans.append((run[0].start, run[-1].end))
        run = [mention]
    if len({m.actor for m in run}) >= 2:
        spans.append((run[0].start, run[-1].end))
    return spans


def _close(run: list[Mention], lists: list[list[str]]) -> None:
    actors = list(dict.fromkeys(m.actor for m in run))
    if len(actors) >= 2:
        lists.append(actors)


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
