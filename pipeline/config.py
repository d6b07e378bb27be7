"""Target configuration: the contested event, its actor dictionary, its model paths."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import StanceError

DEFAULT_TARGET = "maduro-2024"
CUE_CLASSES = ("support", "oppose", "neutral")


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

    @classmethod
    def load(cls, target: str | Path | None = None) -> TargetConfig:
        """Load a target by name (``targets/<name>.toml``) or by path to a TOML file."""
        root = project_root()
        target = target or DEFAULT_TARGET
        path = Path(target)
        if path.suffix != ".toml":
            path = root / "targets" / f"{target}.toml"
        if not path.is_file():
            known = sorted(p.stem for p in (root / "targets").glob("*.toml"))
            raise StanceError(f"unknown target {str(target)!r}: no {path} (known: {', '.join(known) or 'none'})")
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise StanceError(f"{path}: not valid TOML ({exc})") from None
        base = path.parent.parent if path.parent.name == "targets" else path.parent
        missing = [k for k in ("name", "actors", "train", "model") if k not in raw]
        if missing:
            raise StanceError(f"{path}: missing key(s) {', '.join(missing)}")
        cues = raw.get("cues", {})
        unknown = set(cues) - set(CUE_CLASSES)
        if unknown:
            raise StanceError(f"{path}: [cues] has unknown class(es) {', '.join(sorted(unknown))}")

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
            languages=_languages(raw.get("languages", ["en"]), path),
        )


def _languages(value: object, path: Path) -> tuple[str, ...]:
    """The ``languages`` of a target: a non-empty list of ISO 639 codes ("en", "es")."""
    if (not isinstance(value, list) or not value
            or not all(isinstance(v, str) and v.isascii() and v.isalpha() and 2 <= len(v) <= 3 for v in value)):
        raise StanceError(f'{path}: languages must be a list of ISO 639 codes, e.g. ["en"]')
    return tuple(v.lower() for v in value)
