"""Stage 3: find the actors of each sentence.

Small components, each with one job and one module, so that each changes for one reason:

* :mod:`~pipeline.actors.dictionary`: :class:`ActorDictionary` loads and validates the
  actor dictionary (TOML; dated roles, roll-up);
* :mod:`~pipeline.actors.matcher`: :class:`ActorMatcher` finds named mentions (aliases,
  demonym phrases, capitals) in text, as :class:`Mention` objects;
* :mod:`~pipeline.actors.coreference`: :class:`Coreference` adds the mentions made by
  pronouns, group phrases and list headings, resolved to the most recent compatible
  actors of the same article; :func:`mention_runs` and :func:`coordinated_lists` find
  coordinated lists, which the features read too;
* :mod:`~pipeline.actors.open_world`: :class:`ActorInference` adds the people and bodies
  an article introduces itself (titles, appositions);
* :mod:`~pipeline.actors.text`: :func:`fold` (accents, apostrophes, spaces; offsets kept).

Their public names are importable from here.
"""

from __future__ import annotations

from pipeline.actors.coreference import (
    DEFAULT_RULES,
    HEADING_SPAN,
    LOOKBACK,
    RULES,
    Context,
    Coreference,
    Rule,
    coordinated_lists,
    default_rules,
    mention_runs,
)
from pipeline.actors.dictionary import CAMPS, KINDS, SINGULAR, Actor, ActorDictionary, Role
from pipeline.actors.matcher import ActorMatcher, AliasTrie, Mention, after_former
from pipeline.actors.open_world import ActorInference, ArticleActors, suggest, suggestion_toml
from pipeline.actors.text import fold

__all__ = [
    "CAMPS", "DEFAULT_RULES", "HEADING_SPAN", "KINDS", "LOOKBACK", "RULES", "SINGULAR", "Actor", "ActorDictionary",
    "ActorInference", "ActorMatcher", "AliasTrie", "ArticleActors", "Context", "Coreference", "Mention", "Role", "Rule",
    "after_former", "coordinated_lists", "default_rules", "fold", "mention_runs", "suggest", "suggestion_toml",
]
