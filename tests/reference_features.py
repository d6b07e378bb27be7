"""A plain-Python specification of the features of a (sentence, actor) pair.

:class:`~pipeline.features.PairFeatures` computes the features of a whole batch of pairs
at once with NumPy (:func:`pipeline.features.description.describe`), which is fast and hard
to read. :func:`reference_features` says what those features are, one pair at a time, in
straightforward loops over the pair's tokens; ``tests/test_reference_features.py`` checks
that both give the same multiset of feature names on sentences of the training corpora.

What it reuses from the production code, and why
------------------------------------------------
* :func:`pipeline.features.template.mask`: the sentence's tokens with its actors masked
  (the tokeniser of the language pack, the dateline blanked, accents folded, each actor
  mention a ``PRO``/``ANTI``/``ACT`` slot, coordinated lists collapsed into one slot,
  ``not_`` marking after negators), with the slots of each actor, the actors of lists and
  of headings, and the number of slots. It is the input of the features, not the NumPy
  path under test, and already written as plain per-sentence Python; specifying the
  tokeniser's regular expression again would only copy it.
* :func:`pipeline.actors.text.fold`: to write cue phrases as the tokens are written.
* The word classes of the language pack (``lang.features``: negators, clause breaks,
  conditions, speech verbs, ...), which are data.

Everything else (cue matches and their literals, cue chains, clauses, segments, windows,
roles, literals, n-grams) is specified here from the documented behaviour, without the
production code's cue search, token table, flags or keys.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pipeline.actors.text import fold
from pipeline.features import Pair
from pipeline.features.template import mask
from pipeline.lang import LanguagePack, english

TAGS = ("TGT", "PRO", "ANTI", "ACT")
WINDOW_LEFT, WINDOW_RIGHT = 6, 10  # words before and after the target that its windows hold
CHAIN_GAP = 3  # at most so many words between a cue and the cue it acts on
NGRAM_FAMILIES = frozenset({"c", "c2", "g", "L", "R", "l1", "l2", "r1", "r2", "lr", "r3"})  # the rest are literals
MAX_TARGETS = 3  # a pair is described at its first three slots
START, END = "<s>", "</s>"  # what a window shows past its edge

# Every family of feature names, by the prefix of the name (before the first colon, or the
# whole name for a literal without one): the test fails on a name of any other family.
FAMILIES = ("kind", "principal", "via", "others", "has_quote", "off_topic", "cond", "role", "cue", "cues",
            "c", "c2", "g", "L", "R", "l1", "l2", "r1", "r2", "lr", "r3", "vote")
INVERTED_VOTE_GAP = 4  # "Abstaining were TGT": at most so many tokens from the vote to the actor


def family(name: str) -> str:
    """The family of a feature name: its prefix up to the first colon."""
    return name.split(":", 1)[0]


def reference_features(pair: Pair, cues: Mapping[str, Sequence[str]] | None = None,
                       lang: LanguagePack | None = None) -> list[str]:
    """The feature names of one pair, as :meth:`PairFeatures.transform` gives them (in
    another order).

    Parameters
    ----------
    pair : Pair
    cues : mapping of str to sequence of str, optional
        Cue phrases per stance label, as in the target file.
    lang : LanguagePack, optional
        English by default.

    Returns
    -------
    list of str
        One name per occurrence of a feature (a feature may occur several times).
    """
    lang = lang or english()
    words = lang.features
    plain, template = mask(pair, lang)
    tokens = template.tokens
    matches = cue_matches(plain, tokens, cues or {}, lang)
    names: list[str] = []

    # What the pair says of its actor, whatever the sentence.
    names.append(f"kind:{pair.kind}")
    if pair.side:
        names.append(f"principal:{pair.side}")
    names += [f"via:{via}" for via in pair.via]

    # The pair's sequence: the template with TGT at every slot of the actor; an actor named
    # only by a heading reads "TGT : <the sentence>", the target at 0.
    slots = template.slots.get(pair.actor, [])
    if slots:
        sequence = list(tokens)
        for position in slots:
            sequence[position] = "TGT"
        targets, origin, others = list(slots), 0, template.n_slots - len(slots)
    else:
        sequence = ["TGT", ":", *tokens]
        targets, origin, others = [0], 2, template.n_slots
    names.append(f"others:{min(others, 3)}")
    if any(token in words.quotes for token in tokens):
        names.append("has_quote")
    if pair.actor in template.heading:
        names.append("role:heading")
    if pair.actor in template.listed:
        names.append("role:list")
    topic = words.topic
    if (not matches and "PRO" not in tokens and "ANTI" not in tokens
            and not (topic and any(topic.match(" " + token.removeprefix("not_")) for token in tokens))):
        names.append("off_topic")  # no cue word, neither side named, no word of a dispute over power
    names += vote(pair, tokens, template.slots, matches, cues or {}, lang)
    if asked_to_act(tokens, slots_of(template, pair.actor), words):
        names.append("role:urged")

    clauses: list[tuple[int, int]] = []  # of the targets described so far
    for number, at in enumerate(targets[:MAX_TARGETS]):
        start, end = stretch(sequence, at, 0, len(sequence), words.clause_breaks)
        segment_start, segment_end = stretch(sequence, at, start, end, {","})
        left, right = max(start, at - WINDOW_LEFT), min(end, at + 1 + WINDOW_RIGHT)
        prev1 = sequence[at - 1] if at - 1 >= left else START
        prev2 = sequence[at - 2] if at - 2 >= left else START
        next1 = sequence[at + 1] if at + 1 < right else END
        next2 = sequence[at + 2] if at + 2 < right else END
        names += roles(sequence, at, left, right, lang)

        # Words before and after the target, and its neighbours.
        names += [f"L:{token}" for token in sequence[left:at]]
        names += [f"R:{token}" for token in sequence[at + 1:right]]
        names += [f"l1:{prev1}", f"l2:{prev2} {prev1}", f"r1:{next1}", f"r2:{next1} {next2}",
                  f"lr:{prev1} TGT {next1}"]
        if right - at > 3:
            names.append("r3:" + " ".join(sequence[at + 1:at + 4]))

        # The clause, its segment and its cue words: once per clause of the pair.
        new = (start, end) not in clauses
        clauses.append((start, end))
        if new:
            conditional = any(token in words.conditions for token in sequence[start:end])
            if conditional:
                names.append("cond")
            names += [f"c:{token}" for token in sequence[start:end]]
            names += [f"c2:{a} {b}" for a, b in zip(sequence[start:end - 1], sequence[start + 1:end], strict=True)]
            names += [f"g:{token}" for token in sequence[segment_start:segment_end]]
            for first, last, label, negated in matches:
                first, last = first + origin, last + origin
                if first < start or last >= end or "TGT" in sequence[first:last + 1]:
                    continue  # outside the clause, or the target's own words
                distance = abs(first - at)
                near = 1 if distance <= 3 else 2 if distance <= 8 else 3
                # After a copula, the cues before the actor are read as if after it.
                right = first > at or (at - 1 >= left and sequence[at - 1] in lang.features.copulas)
                names += cue_literals(label, right, negated, near, segment_start <= first < segment_end,
                                      conditional)

        # A cue acting on the next cue, after the first target within its clause.
        if number == 0:
            for position, name in cue_chains(matches, tokens, lang):
                if at < position + origin < end:
                    names.append(name)
    # Literal features count twice (n-grams once), so that they weigh 1 + ln 2 times more.
    return names + [name for name in names if name.split(":", 1)[0] not in NGRAM_FAMILIES]


def stretch(sequence: Sequence[str], at: int, low: int, high: int, marks: set[str] | frozenset[str]
            ) -> tuple[int, int]:
    """The positions around ``at`` within ``[low, high)`` that no token of ``marks``
    interrupts, as ``(start, end)``."""
    start = at
    while start > low and sequence[start - 1] not in marks:
        start -= 1
    end = at
    while end < high and sequence[end] not in marks:
        end += 1
    return start, end


def roles(sequence: Sequence[str], at: int, left: int, right: int, lang: LanguagePack) -> list[str]:
    """The role literals of the target at ``at`` (its window is ``[left, right)``)."""
    words = lang.features
    prev1 = sequence[at - 1] if at - 1 >= left else None
    prev2 = sequence[at - 2] if at - 2 >= left else None
    next1 = sequence[at + 1] if at + 1 < right else None
    found = []
    if all(token in words.left_fillers for token in sequence[left:at]):
        found.append("role:clause_start")  # nothing but fillers before it in its window
    if prev1 == words.by:
        found.append("role:by_agent")
    if prev1 == words.to and prev2 == words.according:
        found.append("role:source")
    if prev1 in words.prepositions:
        found.append("role:prep_object")
    if next1 == words.possessive:
        found.append("role:possessive")
    if (any(token in words.speech for token in sequence[at + 1:min(right, at + 4)])
            or (prev1 in words.speech and prev2 in words.speaker_before)):
        found.append("role:speaker")
    if sum(token in words.quotes for token in sequence[:at]) % 2 == 1:
        found.append("role:in_quote")  # an odd number of quotation marks before it
    if prev1 in words.copulas:
        found.append("role:predicate")  # "countries that reject the result are TGT"
    return found


def cue_literals(label: str, right: bool, negated: bool, near: int, in_segment: bool, conditional: bool) -> list[str]:
    """The literals of one cue match seen from the target: label, side, negation, distance
    (1: up to 3 words, 2: up to 8, 3: further), segment, condition."""
    name = f"cue:{label}:{'R' if right else 'L'}" + (":neg" if negated else "")
    literals = [name, f"cue:{label}" + (":neg" if negated else ""), f"{name}:d{near}",
                name + (":seg" if in_segment else ":out")]
    return literals + [name + ":cond"] if conditional else literals


def cue_matches(plain: Sequence[str], tokens: Sequence[str], cues: Mapping[str, Sequence[str]],
                lang: LanguagePack) -> list[tuple[int, int, str, bool]]:
    """``(first token, last token, label, negated)`` of each cue match, labels in
    alphabetical order, each label's matches left to right.

    The tokens (before negation marking) are joined by single spaces; a cue phrase (its
    words folded and lower-cased, placeholders kept) matches where the text continues with
    it and a word starts (a prefix of a word matches: "condemn" in "condemned"). Scanning
    left to right, the longest phrase of the label that matches is taken, and the scan goes
    on after it. A match is negated when its first token is marked ``not_`` or follows a negator.
    """
    text = " ".join(plain)
    token_of = [index for index, token in enumerate(plain) for _ in token + " "]  # the token of each character
    found = []
    for label in sorted(cues):
        phrases = [" ".join(word if word in TAGS else fold(word).lower() for word in phrase.split())
                   for phrase in cues[label]]
        phrases = [phrase for phrase in phrases if phrase]
        at = 0
        while at < len(text):
            matching = [p for p in phrases if text.startswith(p, at) and word_starts(text, at)] if phrases else []
            if not matching:
                at += 1
                continue
            end = at + max(map(len, matching))
            first, last = token_of[at], token_of[end - 1]
            negated = tokens[first].startswith("not_") or (first > 0 and tokens[first - 1] in lang.features.negators)
            found.append((first, last, label, negated))
            at = end
    return found


def word_starts(text: str, at: int) -> bool:
    """Whether ``at`` is a word boundary of ``text`` (as ``\\b`` in a regular expression)."""
    def is_word(character: str) -> bool:
        return character.isalnum() or character == "_"
    before = at > 0 and is_word(text[at - 1])
    after = at < len(text) and is_word(text[at])
    return before != after


def cue_chains(matches: Sequence[tuple[int, int, str, bool]], tokens: Sequence[str], lang: LanguagePack
               ) -> list[tuple[int, str]]:
    """``(position, name)`` of each cue acting on another: a cue followed, within
    :data:`CHAIN_GAP` words and no clause break or actor between, by another cue (the first
    such in the order of ``matches``). The name says which labels meet, and whether the
    acting cue is negated: ``cues:oppose>oppose``, ``cues:support:neg>oppose``."""
    chains = []
    for first, last, label, negated in matches:
        for other_first, _, other_label, _ in matches:
            gap = tokens[last + 1:other_first]
            if 0 <= other_first - last - 1 <= CHAIN_GAP and not any(
                    token in lang.features.clause_breaks or token in TAGS for token in gap):
                chains.append((first, f"cues:{label}{':neg' if negated else ''}>{other_label}"))
                break
    return chains


def slots_of(template, actor: str) -> list[int]:
    """The positions of ``actor``'s slots in the template (none for a heading's actor)."""
    return template.slots.get(actor, [])


def asked_to_act(tokens: Sequence[str], slots: Sequence[int], words) -> bool:
    """Whether an urging verb stands just before one of the actor's slots, possibly with a
    particle between ("urged TGT to", "called on TGT to", "hopes TGT will"), the verb not
    the sentence's first token."""
    for at in slots:
        before = at - 1
        if before > 0 and tokens[before] in words.urging_particles:
            before -= 1
        if before > 0 and tokens[before] in words.urging_verbs:
            return True
    return False


def vote(pair: Pair, tokens: Sequence[str], slots: Mapping[str, Sequence[int]],
         matches: Sequence[tuple[int, int, str, bool]], cues: Mapping[str, Sequence[str]],
         lang: LanguagePack) -> list[str]:
    """The actor's vote in a roll call, ``vote:for|against|abstain``, and with the stance of
    what was voted on, ``vote:for:oppose``.

    A vote is a voting verb (not after a determiner: "a vote for stability" is a noun)
    followed within two tokens by a word for or against, an abstention word, or a
    sponsorship word (for). The actor casts the first vote after its
    first slot when no other actor's slot lies between; else the last vote before it, when
    it is at most :data:`INVERTED_VOTE_GAP` tokens before and no other slot lies between.
    What was voted on: the nearest cue after the vote and before the next other actor or
    clause break; else the nearest cue after a motion noun there; else, in each of the
    article's earlier motion sentences (most recent first), the nearest cue after its first
    motion noun.
    """
    words = lang.features
    actor_slots = slots.get(pair.actor, [])
    if not actor_slots:
        return []
    votes = []
    for i, token in enumerate(tokens):
        if token in words.abstentions:
            votes.append((i, "abstain"))
        elif token in words.sponsorships:
            votes.append((i, "for"))
        elif token in words.vote_verbs and not (i > 0 and tokens[i - 1] in words.vote_determiners):
            for following in tokens[i + 1:i + 3]:
                if following in words.vote_for:
                    votes.append((i, "for"))
                    break
                if following in words.vote_against:
                    votes.append((i, "against"))
                    break
    at = actor_slots[0]
    others = [p for positions in slots.values() for p in positions if p not in actor_slots]
    cast = None
    for position, direction in votes:
        if position > at:
            if not any(at < p < position for p in others):
                cast = (position, direction)
            break
    if cast is None:
        for position, direction in reversed(votes):
            if position < at:
                if at - position <= INVERTED_VOTE_GAP and not any(position < p < at for p in others):
                    cast = (position, direction)
                break
    if cast is None:
        return []
    position, direction = cast
    limit = len(tokens)
    for i in range(position + 1, len(tokens)):
        if i in others or tokens[i] in words.clause_breaks:
            limit = i
            break
    label = nearest_cue(tokens, matches, position, limit, words.motion_nouns)
    for text, mentions in pair.motions if not label else ():
        plain, template = mask(Pair(text, "", mentions), lang)
        noun = next((i for i, token in enumerate(template.tokens) if token in words.motion_nouns), None)
        if noun is None:
            continue
        label = nearest_cue(template.tokens, cue_matches(plain, template.tokens, cues, lang), noun,
                            len(template.tokens), words.motion_nouns)
        if label:
            break
    return [f"vote:{direction}", *([f"vote:{direction}:{label}"] if label else [])]


def nearest_cue(tokens: Sequence[str], matches: Sequence[tuple[int, int, str, bool]], after: int, limit: int,
                nouns: frozenset[str]) -> str:
    """The label of the cue starting nearest after ``after`` and before ``limit``; else of
    the one nearest after the first motion noun in that stretch; else ""."""
    inside = sorted((first, label) for first, _, label, _ in matches if after < first < limit)
    if inside:
        return inside[0][1]
    noun = next((i for i in range(after + 1, limit) if tokens[i] in nouns), None)
    if noun is None:
        return ""
    later = sorted((first, label) for first, _, label, _ in matches if noun < first < limit)
    return later[0][1] if later else ""
