"""Language packs: the words and rules of one language, for every stage that reads text.

A pack holds what is English (or Spanish, ...) in the pipeline: the abbreviations the
segmenter keeps, the month names of date lines, the phrases that name a government, the
pronouns and group phrases of coreference, the negators and speech verbs of the features,
the titles that introduce unknown people, and the name of a sentiment baseline. The
stages take a pack and read their words from it; a target picks its pack with the first
of its ``languages``.

A new language is one module ``pipeline/lang/<code>.py`` defining ``PACK`` (a
:class:`LanguagePack`), found by :func:`get_pack` on first use; :func:`register` adds a
pack made elsewhere (a test, a plug-in).
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from collections.abc import Mapping
from dataclasses import dataclass

from pipeline.errors import StanceError

__all__ = ["ActorRules", "CoreferenceRules", "FeatureWords", "LanguagePack", "OpenWorldRules", "get_pack",
           "has_pack", "known_codes", "register"]


@dataclass(frozen=True, eq=False)
class ActorRules:
    """What the actor matcher reads: phrases naming a country's government, words that are
    never an alias alone, words that are no first name, and the place-versus-actor rules."""

    # "{d}" is a demonym ("the Brazilian government"), "{c}" a country's name ("Chile's president").
    demonym_phrases: tuple[str, ...]
    country_phrases: tuple[str, ...]
    # Right before a mention: "former", "ex-" (a former official speaks for himself).
    former: re.Pattern[str]
    former_reach: int
    stop_aliases: frozenset[str]
    not_first_names: frozenset[str]
    venue_before: re.Pattern[str]
    venue_reach: int
    venue_preposition: re.Pattern[str]
    actor_nouns: frozenset[str]
    place_name: re.Pattern[str]
    venue_after: re.Pattern[str]
    # What may not follow an alias: a word, an apostrophe ending ("Chile'an"), "-elect".
    phrase_end: re.Pattern[str]
    # The definite article with its space ("the "); "the country's armed forces" for an
    # institution "the armed forces" is ``home_noun + home_possessive + "armed forces"``.
    article: str
    home_noun: str
    home_possessive: str
    # Of the actor nouns, the ones a state posts abroad: after another actor's name ("the U.S. embassy
    # in Vilnius", "Russia's ambassador in Maputo") the place after "in" is where they are.
    posted_nouns: frozenset[str] = frozenset()


@dataclass(frozen=True, eq=False)
class CoreferenceRules:
    """Pronouns, group phrases, government phrases, lists, headings and datelines."""

    person_pronoun: re.Pattern[str]
    pronoun_gender: Mapping[str, str]
    they: re.Pattern[str]
    counts: Mapping[str, int]
    state_nouns: frozenset[str]
    group: re.Pattern[str]
    government: re.Pattern[str]
    government_after: re.Pattern[str]
    of: re.Pattern[str]
    list_separator: re.Pattern[str]
    conjunction: re.Pattern[str]
    heading: re.Pattern[str]
    dateline: re.Pattern[str]
    heading_filler: re.Pattern[str]
    title_phrase: re.Pattern[str]
    not_names: frozenset[str]
    titled_name: re.Pattern[str]
    title_gender: Mapping[str, str]
    sentence_word: re.Pattern[str]
    # Words of which each phrase needs one, so that most sentences skip the scan.
    person_pronoun_words: frozenset[str]
    they_words: frozenset[str]
    group_words: frozenset[str]
    government_words: frozenset[str]
    # The word of :attr:`government` that, unresolved, means the home government.
    government_word: str
    they_word: str


@dataclass(frozen=True, eq=False)
class FeatureWords:
    """The tokeniser and the word classes the features read."""

    token: re.Pattern[str]
    negators: frozenset[str]
    # A token ending so is negated ("didn't"), besides the negators.
    negation_suffix: str
    clause_breaks: frozenset[str]
    conditions: frozenset[str]
    prepositions: frozenset[str]
    speech: frozenset[str]
    quotes: frozenset[str]
    punct: frozenset[str]
    left_fillers: frozenset[str]
    speaker_before: frozenset[str]
    # Single tokens with a role: passive agent ("by"), "to", source ("according"), possessive ("'s").
    by: str
    to: str
    according: str
    possessive: str
    # Roll-call votes (see PairFeatures.votes): a verb of voting, then the word giving its
    # direction ("voted in favour", "voted against"); words that are a vote by themselves
    # ("abstained", "co-sponsored"); and the nouns naming what is voted on, whose stance an
    # earlier sentence of the article may give ("The resolution ... Peru voted for it").
    vote_verbs: frozenset[str] = frozenset()
    vote_for: frozenset[str] = frozenset()
    vote_against: frozenset[str] = frozenset()
    abstentions: frozenset[str] = frozenset()
    sponsorships: frozenset[str] = frozenset()
    motion_nouns: frozenset[str] = frozenset()
    # Words after which a vote verb is a noun naming no vote cast ("a vote for stability").
    vote_determiners: frozenset[str] = frozenset()
    # Verbs whose object is asked or hoped to act ("urged TGT to", "called on TGT to", "hopes
    # TGT will"): what follows is the asker's wish, not the object's stance; and the
    # prepositions that may stand between ("called on", "appealed to").
    urging_verbs: frozenset[str] = frozenset()
    urging_particles: frozenset[str] = frozenset()
    # Verbs that make what follows the predicate of what precedes ("countries that reject the
    # result are TGT", "those that recognised ANTI include TGT"): the words before describe
    # the actor after, as if it had said them.
    copulas: frozenset[str] = frozenset()
    # Word beginnings that put a sentence on the subject of a contested hold on power
    # ("elect", "recogni", "protest", "sanction"), searched in the sentence's tokens joined by
    # spaces: a sentence with none of them, no cue phrase and neither side named is off topic
    # ("TGT warned of heavy rain"), whatever its verbs. None: only cues and sides decide.
    topic: re.Pattern[str] | None = None


@dataclass(frozen=True, eq=False)
class OpenWorldRules:
    """How an article introduces actors no dictionary lists (see :mod:`pipeline.actors.open_world`)."""

    title_head_words: frozenset[str]
    title_head: re.Pattern[str]
    title_name: re.Pattern[str]
    name_speaks: re.Pattern[str]
    not_speaker_before: re.Pattern[str]
    joins_title: re.Pattern[str]
    of_after_name: re.Pattern[str]
    described_name: re.Pattern[str]
    title_modifiers_before: re.Pattern[str]
    regnal: re.Pattern[str]
    name_before: re.Pattern[str]
    name_after: re.Pattern[str]
    title_after_mention: re.Pattern[str]
    former_near: re.Pattern[str]
    demonym_before: re.Pattern[str]
    female_titles: re.Pattern[str]
    male_titles: re.Pattern[str]
    not_names: frozenset[str]
    org_heads: Mapping[str, str]
    organisation: re.Pattern[str]
    body_head: re.Pattern[str]
    body_start: re.Pattern[str]
    skip_org_words: frozenset[str]
    home_bodies: frozenset[str]
    possessive: re.Pattern[str]
    generic_words: frozenset[str]


@dataclass(frozen=True, eq=False)
class LanguagePack:
    """Everything one language gives the pipeline.

    Attributes
    ----------
    code : str
        ISO 639-1 code, as in a target's ``languages``.
    name : str
        The language's English name, for messages.
    abbreviations : frozenset of str
        Lower-case, without the final period, as Punkt stores them ("u.s", "gen").
    sentence_starters : frozenset of str
        Words that start a sentence even after an abbreviation.
    date_line : re.Pattern
        A date in an article's opening lines: groups ``y``, ``m``, ``d`` (numeric) or
        ``year``, ``mon``, ``day`` (month name).
    months : mapping of str to int
        The first three letters of each month name, lower case, to its number.
    actors, coreference, features, open_world
        The rules of each stage (see their classes).
    sentiment_baseline : str or None
        The lexicon baseline :mod:`pipeline.evaluate` reports ("vader"), or None.
    coreference_rules : tuple of str
        The names of the coreference rules to run, in order (``pipeline.actors.coreference.RULES``);
        empty for the default list.
    """

    code: str
    name: str
    abbreviations: frozenset[str]
    sentence_starters: frozenset[str]
    date_line: re.Pattern[str]
    months: Mapping[str, int]
    actors: ActorRules
    coreference: CoreferenceRules
    features: FeatureWords
    open_world: OpenWorldRules
    sentiment_baseline: str | None = None
    # Names, not rule objects: pipeline.actors.coreference imports this module.
    coreference_rules: tuple[str, ...] = ()


_PACKS: dict[str, LanguagePack] = {}


def register(pack: LanguagePack) -> LanguagePack:
    """Make ``pack`` the pack of its code (replacing any); returns it."""
    _PACKS[pack.code] = pack
    return pack


def get_pack(code: str) -> LanguagePack:
    """The pack of language ``code``: registered, else ``pipeline/lang/<code>.py``'s ``PACK``."""
    code = code.lower()
    pack = _PACKS.get(code)
    if pack is None:
        module = importlib.import_module(f"{__name__}.{code}") if has_pack(code) else None
        if not isinstance(getattr(module, "PACK", None), LanguagePack):
            raise StanceError(missing_pack(code))
        pack = register(module.PACK)  # type: ignore[union-attr]
    return pack


def has_pack(code: str) -> bool:
    """Whether language ``code`` has a pack, without loading it (a target is checked when
    loaded; its pack's patterns are compiled only when a stage needs them)."""
    code = code.lower()
    if code in _PACKS:
        return True
    return code.isascii() and code.isalpha() and importlib.util.find_spec(f"{__name__}.{code}") is not None


def missing_pack(code: str) -> str:
    """The one-line error for a language without a pack."""
    code = code.lower()
    return f"no language pack for {code!r} (known: {', '.join(known_codes())}): add pipeline/lang/{code}.py"


def known_codes() -> list[str]:
    """The codes of the registered packs and of the pack modules shipped in this package."""
    from importlib import resources

    shipped = {p.name.removesuffix(".py") for p in resources.files(__name__).iterdir()
               if p.name.endswith(".py") and len(p.name) <= 6 and not p.name.startswith("_")}
    return sorted(shipped - {"regex"} | set(_PACKS))


def english() -> LanguagePack:
    """The English pack, the default of every stage."""
    return get_pack("en")
