"""A small made-up event (Freedonia, 2025) for the tests of `stance init` and `stance label`:
its dictionary and two articles, written for the tests (no real event, no real article)."""

from __future__ import annotations

import shutil
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
NAME = "freedonia-2025"
DICTIONARY = '''
[[actors]]
name = "Ana Ruiz"
kind = "person"
camp = "pro"
gender = "f"
aliases = ["Ana Ruiz", "Ruiz", "President Ruiz"]
roles = [{ for = "Government of Freedonia" }]

[[actors]]
name = "Government of Freedonia"
kind = "institution"
camp = "pro"
aliases = ["the Freedonian government"]

[[actors]]
name = "Tomas Vale"
kind = "person"
camp = "anti"
gender = "m"
aliases = ["Tomas Vale", "Vale"]

[[actors]]
name = "Freedonian opposition"
kind = "group"
camp = "anti"
aliases = ["the opposition", "opposition leaders"]

[[actors]]
name = "Electoral Council"
kind = "institution"
aliases = ["Electoral Council", "the electoral council"]

[[actors]]
name = "Chile"
kind = "country"
demonym = "Chilean"

[[actors]]
name = "Peru"
kind = "country"
demonym = "Peruvian"
'''
ARTICLES = {  # each article holds every label, so that each fold of a 2-fold CV can learn them all
    "fr-count": "March 3, 2025\n"
                "The Electoral Council declared Ana Ruiz the winner of Sunday's election.\n"
                "Tomas Vale rejected the result and called it a fraud.\n"
                "Chile asked for the full tally sheets to be published.\n",
    "fr-reactions": "March 5, 2025\n"
                    "Ruiz refused to step down and called the protests a plot.\n"
                    "Peru said it would not recognise the result and backed Vale.\n"
                    "Chile called for calm and dialogue.\n",
    "fr-talks": "March 9, 2025\n"
                "Peru offered to mediate between Ruiz and the opposition.\n"
                "Opposition leaders rejected the official count.\n"
                "The Chilean government congratulated Ana Ruiz on her victory.\n",
}
# The labels a careful annotator gives (doc, actor, start of the sentence): the scripted answers.
GOLD = {
    ("fr-count", "Electoral Council", "The Electoral"): "support",
    ("fr-count", "Ana Ruiz", "The Electoral"): "none",
    ("fr-count", "Tomas Vale", "Tomas Vale"): "oppose",
    ("fr-count", "Chile", "Chile asked"): "neutral",
    ("fr-reactions", "Ana Ruiz", "Ruiz refused"): "support",
    ("fr-reactions", "Peru", "Peru said"): "oppose",
    ("fr-reactions", "Tomas Vale", "Peru said"): "none",
    ("fr-reactions", "Chile", "Chile called"): "neutral",
    ("fr-talks", "Peru", "Peru offered"): "neutral",
    ("fr-talks", "Ana Ruiz", "Peru offered"): "none",
    ("fr-talks", "Freedonian opposition", "Peru offered"): "none",
    ("fr-talks", "Freedonian opposition", "Opposition leaders"): "oppose",
    ("fr-talks", "Chile", "The Chilean"): "support",
    ("fr-talks", "Ana Ruiz", "The Chilean"): "none",
}
KEYS = {"support": "s", "oppose": "o", "neutral": "n", "none": "x"}


def gold_answer(doc: str, actor: str, text: str) -> str:
    """The key a careful annotator presses for a proposal (x, none, for a pair not in GOLD)."""
    for (d, a, start), label in GOLD.items():
        if d == doc and a == actor and text.startswith(start):
            return KEYS[label]
    return "x"


def make_event(home: Path) -> None:
    """Fill in the files `stance init` wrote in ``home``: the dictionary, principals, home government."""
    (home / "data" / "actors" / f"{NAME}.toml").write_text(DICTIONARY, encoding="utf-8")
    target = home / "targets" / f"{NAME}.toml"
    lines = []
    for line in target.read_text(encoding="utf-8").splitlines():
        if line.startswith("principals ="):
            line = 'principals = ["Ana Ruiz", "Tomas Vale", "Freedonian opposition"]'
        elif line.startswith("home_government ="):
            line = 'home_government = "Government of Freedonia"'
        elif line.startswith("description ="):
            line = 'description = "Stance toward Ana Ruiz\'s re-election (Freedonia, made up)"'
        lines.append(line)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_articles(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in ARTICLES.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return folder


def copy_general_model(home: Path) -> bool:
    """The project's trained general model, copied into ``home`` (False when not trained)."""
    model = CHECKOUT / "models" / "general"  # not project_root(): the tests point STANCE_HOME elsewhere
    if not (model / "manifest.json").is_file():
        return False
    shutil.copytree(model, home / "models" / "general")
    return True
