"""The actor dictionary: loading and validating its TOML, dated roles and roll-up.

:class:`ActorDictionary` holds the :class:`Actor` entries of a target; finding their
mentions in text is :mod:`pipeline.actors.matcher` (:class:`~pipeline.actors.matcher.ActorMatcher`);
:mod:`pipeline.actors` exports the public names of both. This module changes when the dictionary's format or its
checks do.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pipeline.actors.text import fold
from pipeline.errors import StanceError
from pipeline.lang import ActorRules, english

KINDS = ("country", "organisation", "institution", "person", "group")
CAMPS = ("pro", "anti")

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
    # ("Uruguayan Foreign Minister Omar Paganini"), see :mod:`pipeline.actors.open_world`.
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
    # The actors that come only from an included file (the world base), not declared nor
    # extended by this one: a shared reference ("the bloc") defaults only to an actor of the event.
    included: frozenset[str] = field(default=frozenset(), compare=False)
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
        included: frozenset[str] = frozenset()
        if includes:
            entries, ignore, included = _with_includes(Path(path), includes, entries, ignore, excludes)
        dictionary = cls.from_entries(entries, source=Path(path), ignore=ignore)
        dictionary.included = included
        return dictionary

    def extended(self, actors: Iterable[Actor]) -> ActorDictionary:
        """This dictionary plus ``actors`` (inferred from one article), as a new dictionary.

        Nothing is validated nor copied but the name table: the overlay is built per
        article, and its new actors were made by :mod:`pipeline.actors.open_world`.
        """
        added = {a.name: a for a in actors if a.name not in self.actors}
        if not added:
            return self
        return ActorDictionary(actors={**self.actors, **added}, source=self.source, ignore=self.ignore,
                               included=self.included)

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
                   excludes: Sequence[str] = ()) -> tuple[list, list, frozenset[str]]:
    """The entries of the included files (such as the shared ``world.toml``), then this file's;
    the ignored phrases; and the names of the entries this file neither declares nor extends.

    An entry of this file with the name of an included one extends it: its aliases and
    references are added, its other keys (camp, roles, kind...) replace the base's.
    ``excludes`` names included entries to leave out (the event's own country, whose
    capital and demonym name its government or its parties in the target's file); the
    included entries' roles for them go too (the base's leaders of that country speak for
    themselves unless this file gives them a role, as ``stance init`` does).
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
                roles = entry.get("roles")
                if excludes and isinstance(roles, list):
                    merged[entry["name"]]["roles"] = [r for r in roles
                                                      if not (isinstance(r, dict) and r.get("for") in excludes)]
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
    return own + list(merged.values()), list(dict.fromkeys(base_ignore + ignore)), frozenset(merged)


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
