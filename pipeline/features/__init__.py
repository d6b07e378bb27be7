"""Stage 4: features of one (sentence, actor) pair.

A sentence is tokenised once, with every actor mention replaced by a placeholder. For
each actor of the sentence the placeholders become ``TGT`` (the actor whose stance we
want), ``PRO`` / ``ANTI`` (the two sides of the dispute, from the dictionary's ``camp``)
or ``ACT`` (any other actor), so "Chile backed González" and "Peru backed González" look
alike, while "backed Maduro" and "backed González" do not. Coordinated lists that contain
the target collapse into one ``TGT`` ("Mexico, Colombia and Brazil asked" gives each of the
three "TGT asked", and the feature ``role:list``).

The features then say what surrounds the target: words of its clause, words just before
and after it, its role (agent of a "by" passive, source of "according to", speaker of a
quote, possessor, object of a preposition, asked to act by someone else), negation scope ("did not NOT_recognize"),
conditions ("until", "unless") and target-specific cue words per stance, with their side
and negation. The classifier learns their weights.

The features never say who the target actor is, nor which side it usually takes: the
stance must come from what the sentence says, so that an actor breaking with its usual
side is seen doing so ("Argentina congratulated Maduro" reads as support whoever the
country is). The one exception defines the target rather than an actor's habits: the
target's *principals* (the incumbent whose hold on power is at stake and his rivals,
named in the target configuration) get a ``principal:pro`` / ``principal:anti`` literal,
because "TGT claimed victory" is support from the incumbent and opposition from his rival.

The package, by reason to change:

* :mod:`~pipeline.features.template`: the sentence as tokens, its actors masked
  (tokeniser, camps, lists, negation);
* :mod:`~pipeline.features.description`: what is read off the tokens for a batch of pairs
  with NumPy (clauses, segments, windows, roles, cue matches, n-gram ranges);
* :mod:`~pipeline.features.pairs`: :class:`Pair`, :func:`sentence_pairs`,
  :func:`article_pairs` (an article's pairs, with what its votes are on) and
  :class:`PairFeatures` (names and keys of the features, cue phrases, literals, votes);
* :mod:`~pipeline.features.keys`: the 64-bit key of a feature name and the token table;
* :mod:`~pipeline.features.featurizer`: the scikit-learn transformer for training, not
  imported here, so that classifying never imports scikit-learn.
"""

from __future__ import annotations

from pipeline.features.keys import TokenTable, feature_key
from pipeline.features.pairs import OTHERS, Pair, PairFeatures, article_pairs, passthrough, sentence_pairs
from pipeline.features.template import TAGS, Template, mask, negate, tokenize_with_mentions

__all__ = ["OTHERS", "TAGS", "Pair", "PairFeatures", "Template", "TokenTable", "article_pairs", "feature_key", "mask",
           "negate", "passthrough", "sentence_pairs", "tokenize_with_mentions"]
