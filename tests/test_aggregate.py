import random

from hypothesis import given
from hypothesis import strategies as st

from pipeline.aggregate import SentencePrediction, aggregate

LABELS = ("support", "oppose", "neutral", "none")


def pred(article, sentence, actor, **probs):
    full = dict.fromkeys(LABELS, 0.0)
    full.update(probs)
    return SentencePrediction(article, sentence, f"sentence {sentence}", actor, full)


def test_no_stance_sentence_gives_none():
    (cell,) = aggregate([pred("a", 0, "Qatar", none=0.9, oppose=0.1), pred("a", 1, "Qatar", none=0.7, support=0.3)])
    assert cell.stance == "none" and cell.confidence == 0.8 and cell.evidence == ()


def test_stance_sentences_outvote_none_sentences():
    (cell,) = aggregate([pred("a", 0, "UN", none=0.9, support=0.1), pred("a", 1, "UN", neutral=0.8, oppose=0.2)])
    assert cell.stance == "neutral"
    assert [e.sentence for e in cell.evidence] == [1]


def test_summed_probability_decides_and_confidence_is_agreement():
    cells = aggregate([
        pred("a", 0, "Mexico", neutral=0.6, support=0.4),
        pred("a", 1, "Mexico", neutral=0.7, oppose=0.3),
        pred("a", 2, "Mexico", support=0.9, neutral=0.1),
    ])
    assert cells[0].stance == "neutral"
    assert abs(cells[0].confidence - 1.4 / 3.0) < 1e-3


def test_roll_up_combines_actors():
    cells = aggregate([pred("a", 0, "Joe Biden", oppose=1.0), pred("a", 1, "United States", oppose=0.8, none=0.2)],
                      roll_up=lambda actor: "United States")
    assert [(c.actor, c.stance) for c in cells] == [("United States", "oppose")]
    assert len(cells[0].evidence) == 2


probabilities = st.lists(st.floats(0.0, 1.0), min_size=4, max_size=4).filter(lambda v: sum(v) > 0)


@given(st.lists(st.tuples(st.sampled_from("abc"), st.sampled_from(["X", "Y"]), probabilities), max_size=30))
def test_aggregation_is_independent_of_order(rows):
    preds = [pred(a, i, actor, **{label: p / sum(ps) for label, p in zip(LABELS, ps, strict=True)})
             for i, (a, actor, ps) in enumerate(rows)]
    shuffled = preds[:]
    random.Random(0).shuffle(shuffled)
    assert aggregate(preds) == aggregate(shuffled)


def test_label_is_the_first_most_probable_unless_given():
    assert pred("a", 0, "Chile", support=0.4, oppose=0.4, none=0.2).label == "support"  # dict order breaks the tie
    assert pred("a", 0, "Chile", neutral=0.5, none=0.5).label == "neutral"
    given_label = SentencePrediction("a", 0, "s", "Chile", {"support": 0.4, "oppose": 0.6}, (), "oppose")
    assert given_label.label == "oppose"


def test_one_evidence_per_sentence_and_at_most_three_in_article_order():
    cells = aggregate([pred("a", i, actor, oppose=p, none=1 - p)
                       for i, p in enumerate([0.6, 0.9, 0.7, 0.8, 0.95]) for actor in ("Lula", "Brazil")],
                      roll_up=lambda actor: "Brazil")
    (cell,) = cells
    assert [e.sentence for e in cell.evidence] == [1, 3, 4]  # the three most probable, once each


def test_principal_prior_fills_only_cells_without_a_stance():
    prior = {"Nicolás Maduro": "support", "Edmundo González": "oppose"}
    cells = {c.actor: c for c in aggregate([
        pred("a", 0, "Nicolás Maduro", none=0.9, support=0.1),        # mentioned only: takes his side
        pred("a", 0, "Edmundo González", none=0.2, neutral=0.8),      # a stance read in the text wins
        pred("a", 1, "Qatar", none=0.9, oppose=0.1),                  # not a principal: stays none
    ], prior=prior)}
    assert (cells["Nicolás Maduro"].stance, cells["Nicolás Maduro"].prior) == ("support", True)
    assert cells["Nicolás Maduro"].confidence == 0.9 and cells["Nicolás Maduro"].evidence == ()
    assert (cells["Edmundo González"].stance, cells["Edmundo González"].prior) == ("neutral", False)
    assert (cells["Qatar"].stance, cells["Qatar"].prior) == ("none", False)
    assert not any(c.prior for c in aggregate([pred("a", 0, "Nicolás Maduro", none=0.9)]))  # off by default


def test_principal_prior_is_a_target_setting(config):
    from dataclasses import replace

    from pipeline.read import Article
    from pipeline.runner import StancePipeline

    article = Article("visit", "Nicolás Maduro landed in Havana on Tuesday for a two-day visit.", "visit.txt")
    off = StancePipeline(config).analyze(article).cells
    on = StancePipeline(replace(config, principal_prior=True)).analyze(article).cells
    assert [(c.actor, c.stance, c.prior) for c in off if c.actor == "Nicolás Maduro"] == [("Nicolás Maduro", "none", False)]
    assert [(c.actor, c.stance, c.prior) for c in on if c.actor == "Nicolás Maduro"] == [("Nicolás Maduro", "support", True)]
