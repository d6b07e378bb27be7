import pytest

from pipeline.corpus import load_corpus, read_rows
from pipeline.errors import StanceError

HEADER = "text,actor,stance,doc\n"


@pytest.mark.parametrize("body, message", [
    ("text,actor,doc\nChile spoke.,Chile,d1\n", "line 1: missing column"),
    (HEADER + "Chile spoke.,Chile,maybe,d1\n", "line 2: unknown label 'maybe'"),
    (HEADER + ",Chile,none,d1\n", "line 2: empty text"),
    (HEADER + "Chile spoke.,Chile,none,d1\nChile spoke.,Chile,none,d1\n", "line 3: duplicate of line 2"),
    (HEADER + "Chile spoke.,Chile,none\n", "line 2: wrong number of fields"),
])
def test_malformed_rows_name_file_and_line(tmp_path, body, message):
    path = tmp_path / "bad.csv"
    path.write_text(body)
    with pytest.raises(StanceError, match=message):
        read_rows(path)


def test_unknown_or_unfound_actor(tmp_path, dictionary):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "Chile spoke.,Atlantis,none,d1\n")
    with pytest.raises(StanceError, match="line 2: actor 'Atlantis' is not in the dictionary"):
        load_corpus(tmp_path, dictionary)
    path.write_text(HEADER + "Chile spoke.,Peru,none,d1\n")
    with pytest.raises(StanceError, match="line 2: actor 'Peru' is not found in its text"):
        load_corpus(tmp_path, dictionary)


def test_pronouns_resolve_within_a_doc(tmp_path, dictionary):
    (tmp_path / "ok.csv").write_text(HEADER + "Maduro spoke.,Nicolás Maduro,none,d1\n"
                                     "He refused to step down.,Nicolás Maduro,support,d1\n")
    corpus = load_corpus(tmp_path, dictionary)
    assert [e.pair.via for e in corpus.examples] == [("name",), ("pronoun",)]


def test_project_corpus_meets_the_coverage_targets(config, dictionary):
    corpus = load_corpus(config.train_path, dictionary, config.home_government)
    distribution = corpus.distribution()
    total = sum(distribution.values())
    assert total >= 3000
    assert all(n / total >= 0.15 for n in distribution.values()), distribution
    assert len({e.pair.actor for e in corpus.examples}) >= 60
    sentences = {}
    for e in corpus.examples:
        sentences.setdefault(e.pair.text, set()).add(e.pair.actor)
    assert sum(len(a) >= 2 for a in sentences.values()) / len(sentences) >= 0.30


def test_data_readme_stats_are_current(config, dictionary):
    from pipeline.config import project_root
    from pipeline.corpus import corpus_stats, stats_markdown

    readme = (project_root() / "data" / "train" / "README.md").read_text(encoding="utf-8")
    corpus = load_corpus(config.train_path, dictionary, config.home_government)
    block = readme.split(f"<!-- stats:{config.name} -->\n")[1].split(f"<!-- /stats:{config.name} -->")[0]
    assert block == stats_markdown(corpus_stats(corpus)), "run: stance corpus -o data/train/README.md"
