"""stance: who stands where on a contested event, article by article.

``from pipeline import classify`` is the Python entry point (see ``docs/api.md`` and
:func:`pipeline.api.classify`). It is imported on first use, so that ``import pipeline``
stays cheap for the command line.
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["Result", "classify"]


def __getattr__(name: str):
    # Lazy: the API pulls in the pipeline's modules, which `stance --help` need not pay for.
    if name in __all__:
        from pipeline import api

        return getattr(api, name)
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
