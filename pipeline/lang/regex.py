"""Regex building shared by the language packs and the stages that read them."""

from __future__ import annotations

import re
from collections.abc import Iterable


def trie_regex(words: Iterable[str]) -> str:
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
    chain = []  # a run of nodes with one child and no end needs no group: walk it in a loop
    while len(node) == 1 and "" not in node:
        char, node = next(iter(node.items()))
        chain.append(char)
    prefix = re.escape("".join(chain))
    end = "" in node
    branches = [re.escape(char) + _node_regex(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return prefix
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if end:
        return prefix + "(?:" + body + ")?"
    return prefix + body
