"""The label schema, declared once: the labels, which of them are positions, the order
people read them in, and their colours.

Another label set (say, a five-point scale) starts here: every module that counts, scores,
draws or validates labels takes them from this one.
"""

from __future__ import annotations

# The classifier's labels, in the order of corpora, scores and confusion matrices.
LABELS = ("support", "oppose", "neutral", "none")
# The labels that are a position toward the target (cue words and macro-F1 are over these).
STANCES = LABELS[:3]
# A label that shows the actor was mentioned, with no position.
NO_STANCE = "none"
# The order people read them in: the diverging scale, then no stance.
DISPLAY_ORDER = ("support", "neutral", "oppose", "none")
# Diverging red-yellow-blue (ColorBrewer RdYlBu ends and midpoint), readable in print and
# by most colour-blind readers; "none" is pale but distinct from the white of "not mentioned" ("").
COLORS = {"support": "#4575b4", "neutral": "#fee090", "oppose": "#d73027", "none": "#d9d9d9", "": "#ffffff"}
DARK = frozenset({"support", "oppose"})  # backgrounds that need white text
