"""Shared fixtures: the default target, its dictionary, and the trained model.

`make test` trains the model first (models/ is built, never committed), so tests that
need it use the real one; tests of the model machinery train a tiny one of their own.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from pipeline.actors import ActorDictionary, ActorMatcher, Coreference
from pipeline.config import TargetConfig, project_root
from pipeline.runner import StancePipeline

ROOT = project_root()
SHARED_EVAL = ROOT.parent / "shared" / "eval"


@pytest.fixture(scope="session", autouse=True)
def _interruptible_children() -> None:
    """The commands the tests start get Ctrl-C as a terminal delivers it. A suite run in the
    background of a non-interactive shell inherits SIGINT ignored, and so would every command
    it starts: the tests that interrupt a batch would then fail for a reason of the harness."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session")
def config() -> TargetConfig:
    return TargetConfig.load()


@pytest.fixture(scope="session")
def dictionary(config: TargetConfig) -> ActorDictionary:
    return ActorDictionary.load(config.actors_path)


@pytest.fixture(scope="session")
def matcher(dictionary: ActorDictionary) -> ActorMatcher:
    return ActorMatcher(dictionary)


@pytest.fixture(scope="session")
def coreference(dictionary: ActorDictionary, config: TargetConfig) -> Coreference:
    return Coreference(dictionary, config.home_government)


@pytest.fixture(scope="session")
def stance_pipeline(config: TargetConfig) -> StancePipeline:
    if not (config.model_dir / "manifest.json").is_file():
        pytest.skip("no trained model: run `make train`")
    return StancePipeline(config)


@pytest.fixture()
def shared_eval() -> Path:
    if not (SHARED_EVAL / "gold.csv").is_file():
        pytest.skip("../shared/eval is not present")
    return SHARED_EVAL
