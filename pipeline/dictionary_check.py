"""Every error of an actor dictionary in one run, and the phrases each entry generates.

:meth:`pipeline.actors.ActorDictionary.load` stops at the first error, which is right when
loading; writing a dictionary for a new event wants them all at once. This module repeats
its checks entry by entry (through the same entry parser) and collects the messages, and
lists the surface forms :class:`~pipeline.actors.ActorMatcher` builds from each entry.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pipeline.actors.dictionary import Actor, ActorDictionary, _check_role_cycles, _parse_actor, _with_includes
from pipeline.actors.matcher import _variants
from pipeline.actors.text import fold
from pipeline.errors import StanceError


def dictionary_errors(path: Path) -> list[str]:
    """Every error of the dictionary at ``path``, one line each (empty when it loads).

    Parameters
    ----------
    path : Path
        A TOML actor dictionary.

    Returns
    -------
    list of str
        The messages, in entry order; each names the file and the entry.
    """
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return [f"{path}: actor dictionary not found"]
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        return [f"{path}: not valid TOML ({exc})"]
    where = str(path)
    errors = []
    entries = raw.get("actors")
    if not isinstance(entries, list) or not entries:
        errors.append(f"{where}: no [[actors]] entries")
        entries = []
    unknown = set(raw) - {"actors", "ignore", "include", "exclude"}
    if unknown:
        errors.append(f"{where}: unknown top-level key(s) {', '.join(sorted(unknown))}")
    ignore = raw.get("ignore", [])
    includes, excludes = raw.get("include", []), raw.get("exclude", [])
    if all(isinstance(v, list) and all(isinstance(i, str) for i in v) for v in (includes, excludes)):
        if includes and isinstance(ignore, list):  # a malformed `ignore` is reported below
            try:  # the shared world base first, this file's entries extending it
                entries, ignore, _ = _with_includes(Path(path), includes, entries, ignore, excludes)
            except StanceError as exc:
                errors.append(str(exc))
    else:
        errors.append(f"{where}: 'include' and 'exclude' must be lists of strings")
    actors: dict[str, Actor] = {}
    for number, entry in enumerate(entries, start=1):
        try:
            actor = _parse_actor(entry, f"{where}: entry {number}")
        except StanceError as exc:
            errors.append(str(exc))
            continue
        if actor.name in actors:
            errors.append(f"{where}: entry {number}: duplicate actor name {actor.name!r}")
            continue
        actors[actor.name] = actor
    owner: dict[str, str] = {}
    for actor in actors.values():
        for role in actor.roles:
            if role.speaks_for not in actors:
                errors.append(f"{where}: actor {actor.name!r}: role for unknown actor {role.speaks_for!r}")
        for form in actor.surface_forms():
            key = fold(form)
            if owner.setdefault(key, actor.name) != actor.name:
                errors.append(f"{where}: alias {form!r} names both {owner[key]!r} and {actor.name!r}")
    for actor in actors.values():
        for phrase in actor.references:
            if fold(phrase) in owner:
                errors.append(f"{where}: actor {actor.name!r}: reference {phrase!r} is also an alias of "
                              f"{owner[fold(phrase)]!r}")
    known = {name: a for name, a in actors.items() if all(r.speaks_for in actors for r in a.roles)}
    try:
        _check_role_cycles(known, where)
    except StanceError as exc:
        errors.append(str(exc))
    if isinstance(ignore, str) or not all(isinstance(p, str) and p.strip() for p in ignore):
        errors.append(f"{where}: 'ignore' must be a list of non-empty strings")
    else:
        errors += [f"{where}: ignored phrase {p!r} is also an alias of {owner[fold(p)]!r}" for p in ignore if fold(p) in owner]
    if not errors:  # whatever this module does not repeat, the loader still checks
        try:
            ActorDictionary.load(path)
        except StanceError as exc:
            errors.append(str(exc))
    return errors


def generated_phrases(actor: Actor) -> list[str]:
    """Every phrase that names ``actor`` for the matcher: its name, aliases, the demonym and
    country phrases they generate, each also capitalised at a sentence start when it begins
    in lower case; in the order they are generated, without repeats."""
    return list(dict.fromkeys(v for form in actor.surface_forms() for v in _variants(form)))
