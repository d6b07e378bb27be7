"""`stance explain`: per sentence mentioning an actor, its label, probability and weightiest features."""

from datetime import date

import numpy as np
import pytest

from pipeline.cli import main
from pipeline.errors import StanceError
from pipeline.explain import explain_actor, render_explanation, resolve_actor
from pipeline.features import sentence_pairs
from pipeline.read import Article

TEXT = ("CARACAS, Aug 3, 2024 - Chile rejected the official result, while Mexico asked for the tally sheets.\n"
        "The U.S. recognised Edmundo González as the winner. Talks were held in Qatar.\n"
        "Joe Biden said Washington would keep up the pressure.\n")
ARTICLE = Article("wire-aug3", TEXT, "wire-aug3.txt", date(2024, 8, 3))


def test_actor_names_and_aliases_resolve(matcher):
    assert resolve_actor(matcher, "United States") == "United States"
    assert resolve_actor(matcher, "the U.S.") == "United States"
    with pytest.raises(StanceError, match="actors list"):
        resolve_actor(matcher, "Atlantis")
    with pytest.raises(StanceError, match="not one actor"):
        resolve_actor(matcher, "Chile and Mexico")


def test_each_sentence_mentioning_the_actor_is_explained(stance_pipeline):
    explanation = explain_actor(stance_pipeline, ARTICLE, "United States", top=5)
    analysed = stance_pipeline.analyze(ARTICLE)
    expected = [p for p in analysed.predictions if p.actor == "United States"]
    assert [s.prediction for s in explanation.sentences] == expected and len(expected) >= 2
    assert explanation.cell == next(c for c in analysed.cells if c.actor == "United States")
    for item in explanation.sentences:
        assert item.prediction.label == max(item.prediction.probabilities, key=item.prediction.probabilities.get)
        assert 0 < len(item.features) <= 5
        weights = [abs(w) for _, w in item.features]
        assert weights == sorted(weights, reverse=True)


def test_the_features_add_up_to_the_models_score(stance_pipeline):
    # With every feature listed, contributions plus the intercept give the label's linear score:
    # what is shown is what the model computed, not a re-derivation.
    model = stance_pipeline.model
    item = explain_actor(stance_pipeline, ARTICLE, "Chile", top=10_000).sentences[0]
    sentence = stance_pipeline.segmenter.split(TEXT)[item.prediction.sentence]
    pair = next(p for p in sentence_pairs(sentence.text, stance_pipeline.resolve([sentence])[0], stance_pipeline.dictionary)
                if p.actor == "Chile")
    k = model.labels.index(item.prediction.label)
    score = model.decision_function([pair])[0, k]
    assert sum(w for _, w in item.features) + model.intercept[k] == pytest.approx(score)
    assert np.argmax(model.predict_proba([pair])[0]) == k


def test_country_level_includes_who_speaks_for_it(stance_pipeline):
    actors = {s.prediction.actor for s in explain_actor(stance_pipeline, ARTICLE, "United States", "country").sentences}
    assert actors == {"United States", "Joe Biden"}
    later = explain_actor(stance_pipeline, ARTICLE, "United States", "country", when=date(2025, 6, 1))
    assert "Joe Biden" not in {s.prediction.actor for s in later.sentences}  # no longer president


def test_rendering_marks_the_actor_and_the_figures(stance_pipeline):
    explanation = explain_actor(stance_pipeline, ARTICLE, "United States", top=3)
    text = render_explanation(explanation)
    first = explanation.sentences[0].prediction
    assert text.startswith(f"== wire-aug3: United States: {explanation.cell.stance}")
    assert "[The U.S.] recognised Edmundo González" in text
    assert f"{first.label} {first.probabilities[first.label]:.2f}" in text
    feature, weight = explanation.sentences[0].features[0]
    assert f"{weight:+.3f}  {feature}" in text
    assert render_explanation(explain_actor(stance_pipeline, ARTICLE, "Russia")).endswith("Russia: not mentioned\n")


def test_explain_command(stance_pipeline, tmp_path, capsys):
    path = tmp_path / "wire-aug3.txt"
    path.write_text(TEXT)
    assert main(["explain", str(path), "--actor", "the U.S.", "--top", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("== wire-aug3: United States:")
    assert out.count("features that weighed most") == 2  # "The U.S." and "Washington"
    assert "[The U.S.] recognised" in out and "said [Washington] would" in out
    assert main(["explain", str(path), "--actor", "Russia"]) == 1  # not mentioned
    assert "Russia is not mentioned" in capsys.readouterr().err
    assert main(["explain", str(path), "--actor", "Atlantis"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("stance: error: --actor 'Atlantis'") and len(err.strip().splitlines()) == 1


def test_country_level_includes_people_the_article_introduced(stance_pipeline):
    """A person found by title (no dictionary entry) speaks for their country in `explain`
    as in the matrix, instead of failing on a name the dictionary lacks."""
    text = "U.S. Treasury Secretary Scott Bessent announced new sanctions on Maduro's government on Friday."
    article = Article("bessent", text, "bessent.txt", date(2025, 3, 7))
    explanation = explain_actor(stance_pipeline, article, "United States", level="country")
    assert "Scott Bessent" in {s.prediction.actor for s in explanation.sentences}
    assert explanation.cell is not None and explanation.cell.actor == "United States"


def test_an_actor_the_article_introduced_is_explained_by_name(stance_pipeline, tmp_path, capsys):
    """A cell of the matrix for an actor no dictionary lists ("Council on Hemispheric Affairs",
    found by its head noun) can be explained as any other, its name typed in any case."""
    path = tmp_path / "coha.txt"
    path.write_text("The Council on Hemispheric Affairs rejected the official result on Monday.\n")
    assert main(["explain", str(path), "--actor", "council on hemispheric affairs"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("== coha: Council on Hemispheric Affairs:")
    assert "The [Council on Hemispheric Affairs] rejected" in out
    assert main(["explain", str(path), "--actor", "Council on Atlantis"]) == 2
    err = capsys.readouterr().err
    assert "no actor of the dictionary" in err and "no article of the input introduces it" in err
    assert len(err.strip().splitlines()) == 1
