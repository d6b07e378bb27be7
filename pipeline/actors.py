"""Stage 3: find the actors of each sentence.

Three small components, each with one job:

* :class:`ActorDictionary` loads and validates the actor dictionary (TOML);
* :class:`ActorMatcher` finds named mentions (aliases, demonym phrases, capitals) in text;
* :class:`~pipeline.coreference.Coreference` (in :mod:`pipeline.coreference`) adds
  mentions made by pronouns, group phrases and list headings, resolved to the most recent
  compatible actors of the same article.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import accumulate
from pathlib import Path

from pipeline.errors import StanceError
from pipeline.lang import ActorRules, LanguagePack, english
from pipeline.lang.regex import trie_regex

KINDS = ("country", "organisation", "institution", "person", "group")
CAMPS = ("pro", "anti")


def _after_former(text: str, start: int, rules: ActorRules | None = None) -> bool:
    """Whether "former", "ex-", "then-" or "late" (the pack's ``former``) comes right before
    ``start`` (spaces between allowed). Only the few characters before it are searched, not
    the whole text before each mention."""
    rules = rules or english().actors
    stop = start
    while stop and text[stop - 1].isspace():
        stop -= 1
    return rules.former.search(text, max(0, stop - rules.former_reach), stop) is not None


def fold(text: str) -> str:
    """Strip accents and unify apostrophes and spaces, keeping every offset in place."""
    # Most news text is ASCII, and only two ASCII characters fold: a search is ~20 times
    # faster than translating every character through the table. Other text has few
    # characters to fold: replacing only those is ~10 times faster than ``str.translate``,
    # which looks every character up in the table.
    if text.isascii() and _ASCII_FOLDED.search(text) is None:
        return text
    return _FOLDED.sub(_fold_character, text)


def _fold_character(match: re.Match) -> str:
    return _FOLD_CHARACTERS[match[0]]


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


_FOLD_CHARACTERS = {chr(code): base for code, base in _fold_table().items()}
_FOLDED = re.compile("[" + "".join(map(re.escape, sorted(_FOLD_CHARACTERS))) + "]")
_ASCII_FOLDED = re.compile("[" + "".join(re.escape(c) for c in _FOLD_CHARACTERS if c.isascii()) + "]")


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
    references: tuple[str, ...] = ()
    # Not in the dictionary: found in an article from a title or an affiliation
    # ("Uruguayan Foreign Minister Omar Paganini"), see :mod:`pipeline.open_world`.
    inferred: bool = False

    def speaks_for(self, when: date | None, lenient: bool = False) -> str:
        """The actor this one speaks for on ``when`` (itself if none), one step up.

        With ``lenient`` and an unknown date, an actor whose dated roles all name the same
        actor speaks for it: "the administration" after "Petro said" is Colombia's even when
        the article has no date. Roll-up at country level stays strict.
        """
        for role in self.roles:
            if role.applies(when):
                return role.speaks_for
        if lenient and when is None and len({r.speaks_for for r in self.roles}) == 1:
            return self.roles[0].speaks_for
        return self.name

    def surface_forms(self, rules: ActorRules | None = None) -> list[str]:
        """Every string that names this actor: its name, aliases, and the demonym and
        country phrases of ``rules`` (English by default)."""
        rules = rules or english().actors
        forms = [self.name, *self.aliases]
        if self.demonym:
            forms += [p.format(d=self.demonym) for p in rules.demonym_phrases]
            forms += [rules.article + p.format(d=self.demonym) for p in rules.demonym_phrases]
        if self.kind == "country":
            forms += [p.format(c=self.name) for p in rules.country_phrases]
        return forms


@dataclass
class ActorDictionary:
    """The actors of a target, by canonical name.

    ``ignore`` lists phrases that contain an alias without naming its actor ("Washington
    Post", "Latin American", "New Mexico"): the matcher reads them as one unit and drops them.
    """

    actors: dict[str, Actor]
    source: Path | None = None
    ignore: tuple[str, ...] = ()
    # Actors inferred from articles earlier in the run, only for ``dictionary[name]``: they are
    # not members (``in``, iteration), so that matching never depends on the order of articles.
    _inferred: dict[str, Actor] = field(default_factory=dict, repr=False, compare=False)

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
        unknown = set(raw) - {"actors", "ignore", "include", "exclude"}
        if unknown:
            raise StanceError(f"{path}: unknown top-level key(s) {', '.join(sorted(unknown))}")
        ignore = list(raw.get("ignore", ()))
        includes, excludes = raw.get("include", []), raw.get("exclude", [])
        for key, value in (("include", includes), ("exclude", excludes)):
            if not isinstance(value, list) or not all(isinstance(i, str) for i in value):
                raise StanceError(f"{path}: '{key}' must be a list of strings")
        if includes:
            entries, ignore = _with_includes(Path(path), includes, entries, ignore, excludes)
        return cls.from_entries(entries, source=Path(path), ignore=ignore)

    def extended(self, actors: Iterable[Actor]) -> ActorDictionary:
        """This dictionary plus ``actors`` (inferred from one article), as a new dictionary.

        Nothing is validated nor copied but the name table: the overlay is built per
        article, and its new actors were made by :mod:`pipeline.open_world`.
        """
        added = {a.name: a for a in actors if a.name not in self.actors}
        if not added:
            return self
        return ActorDictionary(actors={**self.actors, **added}, source=self.source, ignore=self.ignore)

    @classmethod
    def from_entries(cls, entries: Sequence[dict], source: Path | None = None,
                     ignore: Sequence[str] = ()) -> ActorDictionary:
        """Build and validate a dictionary from parsed ``[[actors]]`` tables."""
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
        for actor in actors.values():
            for phrase in actor.references:
                if fold(phrase) in owner:
                    raise StanceError(f"{where}: actor {actor.name!r}: reference {phrase!r} is also an alias of "
                                      f"{owner[fold(phrase)]!r}")
        _check_role_cycles(actors, where)
        if isinstance(ignore, str) or not all(isinstance(p, str) and p.strip() for p in ignore):
            raise StanceError(f"{where}: 'ignore' must be a list of non-empty strings")
        for phrase in ignore:
            if fold(phrase) in owner:
                raise StanceError(f"{where}: ignored phrase {phrase!r} is also an alias of {owner[fold(phrase)]!r}")
        return cls(actors=actors, source=source, ignore=tuple(ignore))

    def references(self) -> dict[str, list[str]]:
        """Shared short references ("the bloc") by folded phrase: the actors that use them,
        in dictionary order (the first is the default)."""
        out: dict[str, list[str]] = {}
        for actor in self.actors.values():
            for phrase in actor.references:
                out.setdefault(fold(phrase), []).append(actor.name)
        return out

    def roll_up(self, name: str, when: date | None = None, lenient: bool = False) -> str:
        """Whom ``name`` finally speaks for on ``when``, following roles up the chain.

        Tarek William Saab → Attorney General of Venezuela → Government of Venezuela; an
        actor without an applicable role speaks for itself. See :meth:`Actor.speaks_for`
        for ``lenient``.
        """
        seen = {name}
        while True:
            up = self.actors[name].speaks_for(when, lenient)
            if up in seen:  # itself: the top of the chain
                return name
            seen.add(up)
            name = up

    def __contains__(self, name: object) -> bool:
        return name in self.actors

    def __getitem__(self, name: str) -> Actor:
        try:
            return self.actors[name]
        except KeyError:
            return self._inferred[name]

    def remember(self, actors: Iterable[Actor]) -> None:
        """Keep inferred actors for lookup by name (the first of a name wins), see ``_inferred``."""
        for actor in actors:
            self._inferred.setdefault(actor.name, actor)

    def __iter__(self):
        return iter(self.actors.values())

    def __len__(self) -> int:
        return len(self.actors)


def _with_includes(path: Path, includes: list[str], entries: list, ignore: list,
                   excludes: Sequence[str] = ()) -> tuple[list, list]:
    """The entries of the included files (such as the shared ``world.toml``), then this file's.

    An entry of this file with the name of an included one extends it: its aliases and
    references are added, its other keys (camp, roles, kind...) replace the base's.
    ``excludes`` names included entries to leave out (the event's own country, whose
    capital and demonym name its government or its parties in the target's file).
    """
    merged: dict[str, dict] = {}
    base_ignore: list[str] = []
    for name in includes:
        included = path.parent / name
        try:
            raw = tomllib.loads(included.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise StanceError(f"{path}: included file {included} not found") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise StanceError(f"{included}: not valid TOML ({exc})") from None
        for entry in raw.get("actors", []):
            if isinstance(entry, dict) and isinstance(entry.get("name"), str) and entry["name"] not in excludes:
                merged[entry["name"]] = dict(entry)
        base_ignore += raw.get("ignore", [])
    own: list = []
    for entry in entries:
        if isinstance(entry, dict) and entry.get("name") in merged:
            base = merged.pop(entry["name"])
            for key, value in entry.items():
                if key in ("aliases", "references"):
                    base[key] = list(dict.fromkeys([*base.get(key, []), *value]))
                else:
                    base[key] = value
            own.append(base)
        else:
            own.append(entry)
    # The event's actors first (as `stance actors list` shows them), then the rest of the base.
    return own + list(merged.values()), list(dict.fromkeys(base_ignore + ignore))


def _check_role_cycles(actors: dict[str, Actor], where: str) -> None:
    """Refuse roles that lead back to their actor (on any date), which no roll-up could end."""
    for start in actors.values():
        stack, seen = [start.name], set()
        while stack:
            name = stack.pop()
            for role in actors[name].roles:
                if role.speaks_for == start.name:
                    raise StanceError(f"{where}: actor {start.name!r}: its roles lead back to itself "
                                      f"(via {name!r})")
                if role.speaks_for not in seen:
                    seen.add(role.speaks_for)
                    stack.append(role.speaks_for)


def _parse_actor(entry: object, where: str) -> Actor:
    if not isinstance(entry, dict):
        raise StanceError(f"{where}: not a table")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise StanceError(f"{where}: missing 'name'")
    if ":" in name:  # feature names hold actor names between "@" and ":"
        raise StanceError(f"{where}: actor name {name!r} must not contain ':'")
    where = f"{where} ({name})"
    kind = entry.get("kind")
    if kind not in KINDS:
        raise StanceError(f"{where}: kind must be one of {', '.join(KINDS)}, not {kind!r}")
    aliases, references = entry.get("aliases", []), entry.get("references", [])
    for key, forms in (("aliases", aliases), ("references", references)):
        if not isinstance(forms, list) or not all(isinstance(a, str) and a.strip() for a in forms):
            raise StanceError(f"{where}: '{key}' must be a list of non-empty strings")
        # A dictionary names no language: its aliases are checked against English common words.
        bad = [a for a in forms if a.strip() in english().actors.stop_aliases]
        if bad:
            raise StanceError(f"{where}: {SINGULAR[key]} {bad[0]!r} is a common word and "
                              "would match everywhere")
        bad = [a for a in forms if not any(ch.isalnum() for ch in a)]  # ",", "." would match every list
        if bad:
            raise StanceError(f"{where}: {SINGULAR[key]} {bad[0]!r} has no letter or digit")
    demonym = entry.get("demonym")
    if demonym is not None and not (isinstance(demonym, str) and demonym.strip()):
        raise StanceError(f"{where}: 'demonym' must be a non-empty string, not {demonym!r}")
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
    unknown = set(entry) - {"name", "kind", "aliases", "references", "demonym", "camp", "gender", "roles"}
    if unknown:
        raise StanceError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    return Actor(name=name, kind=kind, aliases=tuple(aliases), demonym=entry.get("demonym"),
                 camp=camp, gender=gender, roles=tuple(roles), references=tuple(references))


SINGULAR = {"aliases": "alias", "references": "reference"}


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
            if kind in ("country", "organisation") and _after_former(folded, start, rules):
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
    return before is not None and (before["noun"] or "").lower() not in rules.actor_nouns


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


# Coreference moved to pipeline.coreference; its names stay importable from here.
_MOVED = frozenset({"Coreference", "coordinated_lists", "mention_runs", "LOOKBACK", "HEADING_SPAN"})


def __getattr__(name: str) -> object:
    if name in _MOVED:  # imported lazily: pipeline.coreference imports this module
        from pipeline import coreference

        return getattr(coreference, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

