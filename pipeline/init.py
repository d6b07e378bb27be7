"""`stance init NAME --from TARGET`: the files of a new contested event, ready to fill in.

Writes, and refuses to overwrite any of them:

- ``targets/NAME.toml``: description placeholder, paths, ``model = "models/general"`` (the
  new event learns with the others), principals, the generic cue words of the --from target;
- ``data/actors/NAME.toml``: only the event's own actors (incumbent, rival, opposition,
  government, electoral body, courts, armed forces), commented: countries and their
  leaders come from the shared world base;
- ``data/train/NAME/README.md`` and ``GUIDELINES.md``: where labels go, and the questions
  the event must settle before labelling. No CSV: training skips an empty corpus.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pipeline.actors import Actor, ActorDictionary, Role
from pipeline.actors.text import fold
from pipeline.config import CUE_CLASSES, TargetConfig, project_root
from pipeline.errors import StanceError
from pipeline.export import write_atomic

NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
GENERIC_CUES = Path("data/cues/generic.toml")
WORLD_BASE = Path("data/actors/world.toml")
CHECKOUT = Path(__file__).resolve().parent.parent
# Countries the world base leaves out because their bare name names something else too
# (Georgia, the US state; Jordan and Chad, first names), with their demonym and capital: an
# event in one of them still gets its government, opposition and armed forces from init.
UNLISTED_COUNTRIES = {"Georgia": ("Georgian", "Tbilisi"), "Jordan": ("Jordanian", "Amman"),
                      "Chad": ("Chadian", "N'Djamena")}


def generic_cues(source: TargetConfig, root: Path) -> dict[str, list[str]]:
    """The cue words of ``source`` that ``data/cues/generic.toml`` lists as carrying over to
    any disputed election, per class, in ``source``'s order."""
    path = root / GENERIC_CUES
    if not path.is_file():  # a project root of its own (STANCE_HOME) still has the shipped list
        path = CHECKOUT / GENERIC_CUES
    try:
        generic = tomllib.loads(path.read_text(encoding="utf-8")).get("cues", {})
    except FileNotFoundError:
        raise StanceError(f"{path}: generic cue words not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise StanceError(f"{path}: not valid TOML ({exc})") from None
    return {label: [c for c in source.cues.get(label, ()) if c in set(generic.get(label, ()))] for label in CUE_CLASSES}


def _toml_list(words: list[str], indent: str = "  ", width: int = 110) -> str:
    """A TOML array of strings wrapped at ``width`` columns (as the shipped targets are)."""
    lines, line = [], "["
    for word in words:
        item = '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '", '
        if len(line) + len(item) > width:
            lines.append(line.rstrip())
            line = indent
        line += item
    lines.append(line.rstrip().rstrip(",") + "]")
    return "\n".join(lines)


def target_text(name: str, source: TargetConfig, cues: dict[str, list[str]], principal_names: list[str],
                facts: EventFacts) -> str:
    principals = ", ".join(f'"{p}"' for p in principal_names)
    home = _government(facts)
    whose = f"{facts.incumbent}'s hold on power" if facts.incumbent else "whose hold on power"
    where = f" in {facts.country}" if facts.country else ", where"
    cue_lines = "\n".join(f"{label} = {_toml_list(words)}" for label, words in cues.items())
    return f'''# Target configuration written by `stance init {name} --from {source.name}`: fill in the
# description, then the actor dictionary ({name}'s own actors), then label (docs/new-event.md).
name = "{name}"
description = "Stance toward {whose}{where} (TODO: which election, when)"
actors = "data/actors/{name}.toml"
train = "data/train/{name}"
# One model learns from every target naming models/general: the new event's labels train it
# together with the others' (an empty corpus is skipped with a note until there are labels).
model = "models/general"
# Actor that "the government" falls back to when no government was named just before.
home_government = "{home}"
# The actors who define the dispute: the incumbent whose hold on power is at stake and his
# rivals, each an actor of data/actors/{name}.toml with a camp. Rename them together.
principals = [{principals}]
# Real articles with a gold key (folders holding gold.csv), scored by `stance train` when present.
# eval_sets = ["../shared/dev/{name}"]

# Cue words of {source.name} that carry over to any disputed election (data/cues/generic.toml).
# Add the event's own (its slogans, its institutions' verbs) and settle the words whose side
# depends on the event ("new election", "coup", "runoff": see GUIDELINES.md).
[cues]
{cue_lines}
'''


DICTIONARY_HEADER = """# Actor dictionary of {name}: ONLY the event's own actors. Countries, their governments,
# leaders and international organisations come from the shared world base
# (data/actors/world.toml); declare here only who is specific to this dispute.
#
# Each entry: name (canonical, shown in results), kind (country, organisation, institution,
# person, group), aliases (case-sensitive, whole words; a lower-case alias also matches
# capitalised at a sentence start), camp ("pro": the incumbent's side, whose stance *is* the
# target; "anti": his rivals), gender ("m"/"f", persons: for he/she), roles (whom the actor
# speaks for, optionally dated: {{ for = "Government of ...", until = "YYYY-MM-DD" }}),
# references (short phrases several actors share, "the bloc"). `ignore` lists phrases that
# contain an alias but name nobody.
#
# Check it with `stance actors list --target {name} --generated` (every phrase each entry
# produces; all errors in one run) and `stance actors resolve --target {name} "a sentence"`.
# Replace every "TODO" alias; rename the principals in targets/{name}.toml with their actors.
# The event's own country is excluded from the world base: its government and opposition
# are actors of their own below (name the country in `exclude` once you know it).

include = ["world.toml"]
exclude = [{exclude}]
ignore = []
"""


@dataclass(frozen=True)
class EventFacts:
    """What ``stance init`` may be told of a new event, to fill the dictionary in.

    Attributes
    ----------
    country : str or None
        The country of the dispute, as the world base names it ("Peru"): its government,
        opposition and armed forces get entries named and aliased from its demonym and
        capital, and bare mentions of it are left to them (``exclude``).
    incumbent : str or None
        The full name of the office-holder whose hold on power is at stake.
    rivals : tuple of str
        The full names of his rivals (the candidate who claims victory...).
    """

    country: str | None = None
    incumbent: str | None = None
    rivals: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Entry:
    name: str
    kind: str
    aliases: list[str]
    camp: str | None = None
    gender: str | None = None
    roles: tuple[Role, ...] = ()
    comment: str = ""  # a line before the aliases
    hint: str = ""  # after the aliases


def _entry_text(entry: _Entry) -> str:
    lines = ["[[actors]]", f'name = "{entry.name}"', f'kind = "{entry.kind}"']
    if entry.camp:
        lines.append(f'camp = "{entry.camp}"')
    if entry.gender:
        lines.append(f'gender = "{entry.gender}"')
    if entry.comment:
        lines.append(entry.comment)
    if entry.aliases:  # an entry extending the world base's may add none
        lines.append("aliases = " + _toml_list(entry.aliases) + (f"  # {entry.hint}" if entry.hint else ""))
    if entry.roles:
        lines.append("roles = [" + ", ".join(map(_role_text, entry.roles)) + "]")
    return "\n".join(lines) + "\n"


def _role_text(role: Role) -> str:
    dates = "".join(f', {key} = "{day.isoformat()}"' for key, day in (("from", role.start), ("until", role.until))
                    if day is not None)
    return f'{{ for = "{role.speaks_for}"{dates} }}'


def country_people(country: str, world: ActorDictionary, declared: set[str], government: str) -> list[_Entry]:
    """The world base's people who speak for ``country`` (its presidents and foreign ministers),
    as entries of the event's dictionary that speak for its ``government`` instead, on the same
    dates: the country itself is excluded from the base, and so are the roles for it. People
    the event's entries already declare (``declared``, the incumbent) are left to them."""
    entries = []
    for actor in world:
        if actor.name in declared or all(r.speaks_for != country for r in actor.roles):
            continue
        # The entry's roles replace the base's: its roles for other actors are written again.
        roles = tuple(Role(government if r.speaks_for == country else r.speaks_for, r.start, r.until)
                      for r in actor.roles)
        entries.append(_Entry(actor.name, actor.kind, [], gender=actor.gender, roles=roles,
                              comment=f"# From the world base, where this person speaks for {country}."))
    return entries


def _government(facts: EventFacts) -> str:
    """The name of the event's government: the incumbent speaks for it, and "the government"
    falls back to it (``home_government``)."""
    return f"Government of {facts.country}" if facts.country else "Government of the country"


def _person_aliases(full: str) -> list[str]:
    """The full name and the surname; of a longer name also the word before the last with
    it, which is often the name in use ("Edmundo González Urrutia" is "González", "Issa
    Tchiroma Bakary" "Tchiroma"), and a particle with the surname ("da Silva")."""
    words = full.split()
    forms = [full, words[-1]]
    if len(words) >= 3:
        before = words[-2]
        forms += [before, f"{before} {words[-1]}"] if before[:1].isupper() else [f"{before} {words[-1]}"]
    return list(dict.fromkeys(forms))


def event_country(name: str, world: ActorDictionary) -> Actor | None:
    """The country ``name`` as the world base has it, or as :data:`UNLISTED_COUNTRIES` does
    (its capital as its one alias); None for a name that is neither."""
    if name in world and world[name].kind == "country":
        return world[name]
    if name in UNLISTED_COUNTRIES:
        demonym, capital = UNLISTED_COUNTRIES[name]
        return Actor(name, "country", aliases=(capital,), demonym=demonym)
    return None


def dictionary_entries(facts: EventFacts, world: ActorDictionary) -> list[_Entry]:
    """The event's own actors: named and aliased from ``facts`` where known, placeholders
    ("TODO") where not."""
    country = event_country(facts.country, world) if facts.country else None
    demonym = country.demonym if country is not None else None
    government = _government(facts)
    speaks_for = (Role(government),)
    entries = []
    surname = facts.incumbent.split()[-1] if facts.incumbent else None
    if facts.incumbent:
        entries.append(_Entry(facts.incumbent, "person", [*_person_aliases(facts.incumbent), f"President {surname}",
                                                          f"President {facts.incumbent}", "the incumbent"],
                              camp="pro", roles=speaks_for, comment="# gender = \"m\" or \"f\": for he/she"))
    else:
        entries.append(_Entry("The incumbent", "person", ["TODO incumbent full name"], camp="pro", gender="m",
                              roles=speaks_for, hint='full name, surname, "President X", "the incumbent"...'))
    if demonym:  # a known country (of the world base or UNLISTED_COUNTRIES) with a demonym
        # The country is left out as the place: its other names and its capital ("Lima", not
        # "Perú") name its government, as the shipped targets have it ("La Paz", "Miraflores").
        others = [a for a in country.aliases if fold(a) != fold(country.name)]
        aliases = [f"the {demonym} government", f"{demonym} government", f"{facts.country}'s government",
                   f"the government of {facts.country}", *others, f"{demonym} officials", f"{demonym} authorities",
                   f"the {demonym} authorities", f"{facts.country}'s foreign ministry", f"the {demonym} foreign ministry"]
        if surname:
            aliases += [f"the {surname} government", f"the {surname} administration", f"{surname}'s government"]
        entries.append(_Entry(government, "institution", aliases, camp="pro",
                              hint="add its seat and the ruling party's name"))
    else:
        entries.append(_Entry(government, "institution", ["TODO government of the country"], camp="pro",
                              hint='"the X government", its seat ("Miraflores"), "the administration"'))
    for rival in facts.rivals or ("The rival candidate",):
        if facts.rivals:
            entries.append(_Entry(rival, "person", _person_aliases(rival), camp="anti",
                                  comment="# gender = \"m\" or \"f\": for he/she"))
        else:
            entries.append(_Entry(rival, "person", ["TODO rival full name"], camp="anti", gender="m"))
    if demonym:
        entries.append(_Entry(f"{demonym} opposition", "group",
                              [f"the {demonym} opposition", f"{demonym} opposition", f"{facts.country}'s opposition",
                               "the opposition", "opposition leaders", "opposition parties"], camp="anti",
                              hint="add its coalition's and parties' names"))
        # The phrases wire copy uses for the event's own electoral body and top court.
        entries.append(_Entry("Electoral body", "institution", [
            "TODO electoral council", "the electoral authority", "electoral authorities", "the electoral commission",
            "the election commission", "the electoral council", "the electoral tribunal", "the electoral body",
            f"{facts.country}'s electoral commission", f"the {demonym} electoral commission",
            f"{demonym} electoral commission", f"{facts.country}'s election commission", "electoral officials"],
                              comment="# camp: only if it is a party to the dispute (usually not).",
                              roles=speaks_for, hint="its name and acronym; rename the entry"))
        entries.append(_Entry("Supreme court", "institution", [
            "TODO supreme court", "the top court", f"{facts.country}'s top court", f"{facts.country}'s highest court",
            f"{facts.country}'s supreme court", f"{facts.country}'s constitutional court"],
                              hint="its name; rename the entry"))
        entries.append(_Entry(f"{demonym} armed forces", "institution",
                              [f"the {demonym} armed forces", f"{demonym} armed forces", f"{facts.country}'s armed forces",
                               f"the {demonym} military", f"{demonym} military", f"{facts.country}'s military",
                               "the armed forces", "the military", "the army"],
                              comment="# Are the security forces an actor of this event? See GUIDELINES.md."))
    else:
        entries.append(_Entry("The opposition", "group", ["TODO the opposition"], camp="anti",
                              hint='"the X opposition", its coalition\'s name, "opposition leaders"'))
        entries.append(_Entry("Electoral body", "institution", ["TODO electoral council"],
                              comment="# camp: only if it is a party to the dispute (usually not: its stance is read "
                                      "from the sentences).",
                              roles=speaks_for, hint='its name, acronym, "the electoral authority"'))
        entries.append(_Entry("Supreme court", "institution", ["TODO supreme court"]))
        entries.append(_Entry("Armed forces", "institution", ["TODO armed forces"],
                              comment="# Are the security forces an actor of this event? See GUIDELINES.md; delete "
                                      "the entry if not.",
                              hint='"the military", "the army", the defence minister\'s title...'))
    return entries


def dictionary_text(name: str, country: str | None, entries: list[_Entry]) -> str:
    """The text of ``data/actors/NAME.toml``."""
    exclude = f'"{country}"' if country else ""
    return "\n".join([DICTIONARY_HEADER.format(name=name, exclude=exclude), *map(_entry_text, entries)])


GUIDELINES = '''# Annotation guidelines: {name}

Copy the general rules of [`../GUIDELINES.md`](../GUIDELINES.md) (one row per
(sentence, actor) pair, columns `text,actor,stance,doc,date`; every actor a sentence
mentions gets a row, `none` included; the label is the stance the actor **holds**, not the
sentiment toward it) and settle the questions below **before labelling**, in writing: two
people labelling the same event differently is the largest source of error.
`stance corpus --check --target {name}` finds the rows you forgot.

## The target

The stance toward: TODO (whose hold on power, after which vote, on what date).

## Questions this event must settle

1. **What counts as support?** Declaring the incumbent the winner, congratulating him,
   attending the inauguration, refusing to step down, calling the protests a coup... Which
   of these happen in this event, and which acts are support here and not elsewhere?
2. **What counts as opposition?** Rejecting the result, recognising the rival, sanctions,
   demanding a resignation or a runoff...
3. **Is a call for new elections neutral or opposition?** Neutral when both sides accept a
   new vote as a way out (Bolivia 2019, after the audit); opposition when the incumbent
   refuses any and the call means his exit (Venezuela 2024). Write down which, and from
   which date if it changes.
4. **Are the security forces an actor?** The armed forces or the police may take a side
   (a mutiny, "suggesting" a resignation, a loyalty pledge) or only act on orders (then
   they are `none`, and the government holds the stance). Decide whether they get rows.
5. **Is an interim government a side?** If the incumbent falls, does the government that
   replaces him count for the opposition camp (recognising it is `oppose`), or is it a new
   actor whose stance is read sentence by sentence? Is "the government" the old or the new
   one, from which date (dated roles in the dictionary)?
6. **How are abstentions in votes treated?** A country abstaining on a resolution against
   the result: `neutral` (it takes no side) or `none` (no position of its own)? And a vote
   against a resolution that condemns the incumbent?
7. **Mediation and verification**: asking for the tally sheets, an audit, dialogue, is
   `neutral`, unless the request is a condition for recognising the rival ("will not
   recognise until...")? Decide the event's borderline phrases.
8. **Who speaks for whom?** Ministers, spokespeople, parties, the electoral body and the
   courts: whose stance is theirs, and whom they roll up to at `--level country`.

## Edge cases

TODO: add each case you meet while labelling, with the label chosen and why.
'''

README = '''# Training data: {name}

Labelled (sentence, actor, stance) rows of this event, read by `stance train` together
with every target that names `models/general`. There is no CSV yet: training skips this
target with a note until there is one.

- `stance label ARTICLES --target {name}` proposes a label for every actor of every
  sentence of your articles and appends your answers to `labelled.csv` (columns
  `text,actor,stance,doc,date`; `doc` is the article id). What you label is yours.
- Or write CSVs here by hand, following [GUIDELINES.md](GUIDELINES.md).
- `stance corpus --check --target {name}` before training: missing rows, duplicates,
  conflicts, bad labels and dates, with file and line.
'''


def _world_base(root: Path) -> ActorDictionary:
    path = root / WORLD_BASE
    return ActorDictionary.load(path if path.is_file() else CHECKOUT / WORLD_BASE)


def init_target(name: str, source: str | Path = "maduro-2024", root: Path | None = None,
                facts: EventFacts | None = None) -> list[Path]:
    """Write the files of a new target ``name``, modelled on target ``source``.

    Parameters
    ----------
    name : str
        The new target's name: lower-case letters, digits and hyphens.
    source : str or Path
        The target (name or TOML path) whose generic cue words are copied.
    root : Path, optional
        The project root (default: :func:`project_root`).
    facts : EventFacts, optional
        The country, incumbent and rivals, when known: the dictionary's entries and the
        target's principals are filled in from them instead of placeholders.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    StanceError
        For a bad name, an unknown source, a country the world base lacks, or when any of
        the files already exists (nothing is written then).
    """
    root = root or project_root()
    if not NAME.fullmatch(name):
        raise StanceError(f"target name {name!r}: use lower-case letters, digits and hyphens (e.g. bolivia-2019)")
    shipped = CHECKOUT / "targets" / f"{source}.toml"
    if not (root / "targets" / f"{source}.toml").is_file() and shipped.is_file():
        source = shipped  # a new project root (STANCE_HOME) can start from a shipped target
    config = TargetConfig.load(source)
    cues = generic_cues(config, root)
    facts = facts or EventFacts()
    world = _world_base(root)
    if facts.country and event_country(facts.country, world) is None:
        raise StanceError(f"--country {facts.country!r}: no such country in the world base "
                          f"(data/actors/world.toml); use its name there, e.g. Peru, Bolivia")
    entries = dictionary_entries(facts, world)
    if facts.country in world:
        entries += country_people(facts.country, world, {entry.name for entry in entries}, _government(facts))
    # The principals: every actor with a camp (the incumbent, his government, his rivals, the
    # opposition), as in the Ivory Coast and Nicaragua targets.
    principal_names = [entry.name for entry in entries if entry.camp]
    files = {
        root / "targets" / f"{name}.toml": target_text(name, config, cues, principal_names, facts),
        # Only a country of the world base is excluded from it (bare mentions are the place).
        root / "data" / "actors" / f"{name}.toml": dictionary_text(name, facts.country if facts.country in world
                                                                   else None, entries),
        root / "data" / "train" / name / "README.md": README.format(name=name),
        root / "data" / "train" / name / "GUIDELINES.md": GUIDELINES.format(name=name),
    }
    existing = [str(p) for p in files if p.exists()]
    if existing:
        raise StanceError(f"{existing[0]} already exists: not overwritten (choose another name or remove it)")
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, lambda handle, text=text: handle.write(text))
    return list(files)
