"""Run the pipeline over many articles, streaming: only per-article results are kept.

Three engines give the same results in the same order:

* in this process (``jobs=1``, the default);
* local worker processes (``jobs=N``), forked from this process where the platform allows;
* a Dask cluster (``scheduler="tcp://host:port"`` or a ``distributed.Client``).

Articles are always read here, in input order, so that stdin works, notes and skipped
files are reported as in a sequential run, and cluster workers need no access to our
files. They are sent to the workers in chunks; the pipeline itself goes to each worker
once (inherited by forked local processes, read from a pickle file by spawned ones, a
broadcast for Dask), never with every chunk. Only a bounded number of chunks is in
flight, so memory stays flat however many articles are read.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import tempfile
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import CancelledError
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from pipeline.errors import StanceError
from pipeline.lang import LanguagePack
from pipeline.read import Article, ReadFailure, read_articles
from pipeline.runner import ArticleResult, StancePipeline

IN_FLIGHT = 2  # chunks queued per worker
CONNECT_TIMEOUT = "10s"  # to reach a Dask scheduler and finish the handshake: one deadline for both
# The first 8 bytes a Dask peer sends are the size of its first message (a handshake, a few
# hundred bytes); anything larger is a peer that is not a Dask scheduler.
MAX_HANDSHAKE_BYTES = 2**20


@dataclass
class BatchResult:
    """What a batch produced: results in input order, and the inputs that were skipped."""

    results: list[ArticleResult] = field(default_factory=list)
    skipped: list[ReadFailure] = field(default_factory=list)
    # Articles left out because they are not in a language of the target, by language code.
    off_language: Counter = field(default_factory=Counter)
    # Articles analysed, kept in ``results`` or (``keep_results=False``) only handed on.
    count: int = 0

    @property
    def articles(self) -> list[str]:
        return [r.article.id for r in self.results]

    @property
    def cells(self) -> list:
        return [c for r in self.results for c in r.cells]


# What a worker sends back for one article: (sentences, mentions, predictions, cells).
_Parts = tuple[list, list, list, list]


def analyze_parts(pipeline: StancePipeline, article: Article, level: str, when: date | None, keep_sentences: bool) -> _Parts:
    """The pipeline's result for one article, without the article (the caller has it).

    Every engine runs this function, so that their results cannot differ.
    """
    result = pipeline.analyze(article, level=level, when=when)
    if not keep_sentences:
        return [], [], [], result.cells
    return result.sentences, result.mentions, result.predictions, result.cells


def iter_results(pipeline: StancePipeline, sources: Sequence[str], level: str = "actor", when: date | None = None,
                 strict: bool = False, on_note: Callable[[str], None] | None = None,
                 keep_sentences: bool = False, jobs: int = 1, scheduler: Any = None,
                 on_progress: Callable[[int], None] | None = None,
                 chunk_size: int | None = None, fields: Any = None,
                 on_language: Callable[[Article], None] | None = None) -> Iterator[ArticleResult | ReadFailure]:
    """Analyse sources in input order, yielding a result or a read failure for each.

    Parameters
    ----------
    pipeline : StancePipeline
    sources : sequence of str
        Paths, or ``-`` for stdin.
    level, when
        See :meth:`StancePipeline.analyze`.
    strict : bool, default False
        Raise :class:`StanceError` at the first unreadable source instead of yielding it.
    on_note : callable, optional
        Called with a line about each source that needed repairs (decoding...).
    keep_sentences : bool, default False
        Keep sentences, mentions and predictions; without them each result holds its
        cells only, so that memory stays flat however many articles are read.
    jobs : int, default 1
        Worker processes on this machine (``-1``: one per core).
    scheduler : str or distributed.Client, optional
        Run on this Dask cluster instead (``"tcp://host:port"``); ``jobs`` is then ignored.
        The workers need the ``stance`` package installed, not the articles or the model.
    on_progress : callable, optional
        Called with 1 each time a source is done (analysed or skipped).
    chunk_size : int, optional
        Articles per task for ``jobs`` and ``scheduler``; by default about four tasks
        per worker, at most 8 articles each for local workers, 32 on a cluster.
    fields : pipeline.records.Fields, optional
        The id, text and date fields of JSONL and CSV records.
    on_language : callable, optional
        Called with each article left out because it is not in one of the target's
        languages (:mod:`pipeline.language`); a note says so too.
    """
    if jobs == 0 or jobs < -1:
        raise StanceError(f"--jobs {jobs}: give a number of processes >= 1, or -1 for one per core")
    cores = os.cpu_count() or 1
    if jobs > cores and scheduler is None:  # more processes than cores only cost memory and start-up
        if on_note:
            on_note(f"--jobs {jobs}: this machine has {cores} core(s), using {cores} worker processes")
        jobs = cores
    from pipeline.language import screen
    from pipeline.records import count_hint

    languages = getattr(pipeline.config, "languages", ("en",))
    # Datelines are read with the pipeline's month names (English for a pipeline without a pack).
    items = screen(_read(sources, when, on_note, fields, getattr(pipeline, "lang", None)), languages, on_note, on_language)
    if scheduler is not None:
        engine = _DaskEngine(scheduler)
    elif jobs != 1 and count_hint(sources) > 1:  # a JSONL or CSV file is many articles
        engine = _LocalEngine(jobs)
    else:
        engine = None
    if engine is None:
        outputs: Iterator[tuple[Article | ReadFailure, _Parts | None]] = (
            (item, None if isinstance(item, ReadFailure) else analyze_parts(pipeline, item, level, when, keep_sentences))
            for item in items)
    else:
        size = chunk_size or max(1, min(engine.max_chunk, -(-count_hint(sources) // (4 * engine.workers))))
        outputs = engine.run(pipeline, _chunks(items, size), (level, when, keep_sentences))
    try:
        for item, parts in outputs:
            if isinstance(item, ReadFailure):
                # A sole records file that gives nothing (no text column...) is the run's one error,
                # not a skip followed by "no readable article".
                if strict or (item.whole and len(sources) == 1):
                    raise StanceError(item.reason)
                yield item
            else:
                yield ArticleResult(item, *parts)
            if on_progress:
                on_progress(1)
    finally:
        outputs.close()  # stop the workers and remove temporary files now, not at garbage collection


def classify_sources(pipeline: StancePipeline, sources: Sequence[str], level: str = "actor", when: date | None = None,
                     strict: bool = False, on_note: Callable[[str], None] | None = None,
                     on_skip: Callable[[ReadFailure], None] | None = None, keep_sentences: bool = False,
                     jobs: int = 1, scheduler: Any = None, on_progress: Callable[[int], None] | None = None,
                     fields: Any = None, on_result: Callable[[ArticleResult], None] | None = None,
                     keep_results: bool = True, keep_evidence: bool = True) -> BatchResult:
    """Classify every source; see :func:`iter_results`.

    With ``on_result``, each full result is handed to it (to be written out) and the batch
    keeps only the article's id and cells; with ``keep_results=False`` too, it keeps
    nothing but the count, so that memory stays flat however many articles are read. With
    ``keep_evidence=False`` the kept cells lose their evidence sentences, most of what they
    weigh, for the outputs that read only stances (the network, the timeline's counts).
    """
    batch = BatchResult()

    def off_language(article: Article) -> None:
        batch.off_language[article.language] += 1
        if on_progress:
            on_progress(1)

    for item in iter_results(pipeline, sources, level, when, strict, on_note, keep_sentences, jobs, scheduler,
                             on_progress, fields=fields, on_language=off_language):
        if isinstance(item, ReadFailure):
            batch.skipped.append(item)
            if on_skip:
                on_skip(item)
        else:
            batch.count += 1
            if on_result:
                on_result(item)
                if not keep_results:  # the handler has it all (pipeline.spool): 35 KB per article less
                    continue
            if on_result or not keep_sentences:
                # Only the cells are read from here on: the article's text (most of its memory,
                # 10,000 articles are 40 MB of it) is dropped once it is analysed.
                cells = item.cells if keep_evidence else [replace(cell, evidence=()) for cell in item.cells]
                batch.results.append(ArticleResult(replace(item.article, text=""), [], [], [], cells))
            else:
                batch.results.append(item)
    return batch


def _read(sources: Sequence[str], when: date | None, on_note: Callable[[str], None] | None,
          fields: Any = None, lang: LanguagePack | None = None) -> Iterator[Article | ReadFailure]:
    for item in read_articles(sources, when, fields, lang, on_note):
        if isinstance(item, Article) and item.notes and on_note:
            on_note(f"{item.source}: {'; '.join(item.notes)}")
        yield item


def _chunks(items: Iterable[Article | ReadFailure], size: int) -> Iterator[list[Article | ReadFailure]]:
    chunk: list[Article | ReadFailure] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _merge(chunk: list[Article | ReadFailure], parts: list[_Parts]) -> Iterator[tuple[Article | ReadFailure, _Parts | None]]:
    """Put the workers' results for the articles of a chunk back beside its read failures."""
    analysed = iter(parts)
    for item in chunk:
        yield item, None if isinstance(item, ReadFailure) else next(analysed)


def _articles(chunk: list[Article | ReadFailure]) -> list[Article]:
    return [item for item in chunk if isinstance(item, Article)]


# --- local processes ------------------------------------------------------------------

_worker_pipeline: StancePipeline | None = None
_launch_lock = threading.Lock()


def _start_worker(pipeline_file: str | None, parent: int | None = None) -> None:
    """Run once in each worker: die with the parent, read the pipeline unless it came with
    the fork, and leave Ctrl-C to the parent, which stops the workers itself (no traceback
    from each one)."""
    global _worker_pipeline
    if parent is not None:
        die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the command's handler, inherited through fork
    if pipeline_file is not None:
        with open(pipeline_file, "rb") as handle:
            _worker_pipeline = pickle.load(handle)


PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
WATCH_PARENT_S = 0.5  # where the kernel cannot signal a parent's death, how often a worker looks


def die_with_parent(parent: int) -> None:
    """Make this process end when ``parent`` does, even killed with SIGKILL (nothing of the
    parent runs then, so the worker must see to it itself).

    On Linux the kernel sends SIGKILL to us when the parent dies (PR_SET_PDEATHSIG); the
    workers are started by the parent's main thread, which lives as long as the parent.
    Elsewhere a daemon thread checks every :data:`WATCH_PARENT_S` whether we were orphaned.
    """
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
            if os.getppid() != parent:  # the parent died before prctl: no signal will come
                os._exit(1)
            return
    watch_parent(parent)


def watch_parent(parent: int) -> None:
    """End this process within :data:`WATCH_PARENT_S` of ``parent``'s end, from a daemon thread.

    For workers that another thread of the parent may have started (joblib's), where the
    kernel's parent-death signal would fire when that thread ends, not the parent.
    """
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(WATCH_PARENT_S)
        os._exit(1)

    threading.Thread(target=watch, name="stance-parent-watch", daemon=True).start()


def _start_method() -> str:
    # Fork only on Linux: macOS system libraries are not safe to use after a fork (Python
    # spawns there by default), and Windows cannot fork.
    return "fork" if sys.platform.startswith("linux") else "spawn"


def _local_task(articles: list[Article], options: tuple) -> list[_Parts]:
    assert _worker_pipeline is not None, "worker started without a pipeline"
    return [analyze_parts(_worker_pipeline, article, *options) for article in articles]


class _LocalEngine:
    """Worker processes on this machine.

    Where processes can fork (Linux), the workers are forked from this process once the
    model is loaded, so each starts in milliseconds with the pipeline already in memory.
    Elsewhere they are spawned and each reads the pipeline once from a pickle file (about
    0.6 s of imports and unpickling before its first article).
    """

    # Articles per task, at most: a local task costs well under a millisecond to send,
    # and small tasks leave less work for one worker alone at the end.
    max_chunk = 8

    def __init__(self, jobs: int) -> None:
        self.workers = (os.cpu_count() or 1) if jobs == -1 else jobs

    def run(self, pipeline: StancePipeline, chunks: Iterator[list], options: tuple) -> Iterator[tuple]:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        pipeline.model  # noqa: B018 - load it here, once, so that every worker gets the same one
        method = _start_method()
        with tempfile.TemporaryDirectory(prefix="stance-") as folder:
            pipeline_file = None
            if method == "spawn":
                pipeline_file = str(Path(folder) / "pipeline.pickle")
                with open(pipeline_file, "wb") as handle:
                    pickle.dump(pipeline, handle, protocol=pickle.HIGHEST_PROTOCOL)
            executor = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context(method),
                                           initializer=_start_worker, initargs=(pipeline_file, os.getpid()))
            started = False

            def submit(articles: list[Article]) -> Any:
                global _worker_pipeline
                nonlocal started
                if started or method != "fork":
                    return executor.submit(_local_task, articles, options)
                # A forking executor starts all its workers at the first task: they inherit
                # the pipeline from this global, set only while they start.
                with _launch_lock:
                    _worker_pipeline = pipeline
                    try:
                        return executor.submit(_local_task, articles, options)
                    finally:
                        _worker_pipeline = None
                        started = True

            try:
                yield from _in_order(chunks, submit, IN_FLIGHT * self.workers, deque())
            except BrokenProcessPool:
                raise StanceError("a worker process died (out of memory?); run again with fewer --jobs") from None
            finally:
                executor.shutdown(wait=True, cancel_futures=True)


def _in_order(chunks: Iterator[list], submit: Callable[[list[Article]], Any], limit: int,
              pending: deque[tuple[list, Any]]) -> Iterator[tuple]:
    """Submit chunks with at most ``limit`` in flight (``pending``, left to the caller to
    cancel if it stops early), and yield their results in input order."""
    for chunk in chunks:
        pending.append((chunk, submit(_articles(chunk))))
        if len(pending) >= limit:
            yield from _collect(*pending.popleft())
    while pending:
        yield from _collect(*pending.popleft())


def _collect(chunk: list[Article | ReadFailure], future: Any) -> Iterator[tuple]:
    """Wait for a chunk's results and put them back beside its read failures."""
    parts = future.result()
    if hasattr(future, "release"):  # a Dask future: free its result on the cluster now
        future.release()
    yield from _merge(chunk, parts)


# --- Dask ---------------------------------------------------------------------------------

def _dask_task(pipeline: StancePipeline, articles: list[Article], options: tuple) -> list[_Parts]:
    return [analyze_parts(pipeline, article, *options) for article in articles]


class _DaskEngine:
    """A Dask distributed cluster, given by its scheduler address or a connected Client."""

    max_chunk = 32  # articles per task, at most: a task's round trip through the scheduler takes milliseconds

    def __init__(self, scheduler: Any) -> None:
        try:
            from distributed import Client
        except ImportError:  # pragma: no cover - a dependency, but an optional one for library users
            raise StanceError("--scheduler needs dask.distributed: pip install 'dask[distributed]'") from None
        if isinstance(scheduler, Client):
            self.address = str(getattr(scheduler.scheduler, "address", "the client's"))
            self.client, self.owned = scheduler, False
        else:
            self.address = str(scheduler)
            self.client, self.owned = _connect(self.address), True
        try:
            self.workers = max(1, sum(self.client.nthreads().values()))
        except Exception as exc:
            self.close()
            raise StanceError(f"lost the Dask scheduler at {scheduler} ({_first_line(exc)})") from None

    def close(self) -> None:
        if self.owned:
            with suppress(Exception):
                self.client.close(timeout=2)

    def run(self, pipeline: StancePipeline, chunks: Iterator[list], options: tuple) -> Iterator[tuple]:
        client = self.client
        pending: deque[tuple[list, Any]] = deque()
        shared = None
        try:
            pipeline.model  # noqa: B018 - load it here, once, so that every worker gets the same one
            # One copy per worker, deserialised once, instead of one per task.
            shared = client.scatter(pipeline, broadcast=True, hash=False)
            yield from _in_order(chunks, lambda articles: client.submit(_dask_task, shared, articles, options, pure=False),
                                 IN_FLIGHT * self.workers, pending)
        except Exception as exc:
            # The client cancels every task when it loses the scheduler, and some of its calls
            # then fail in other ways; an error of a task on a live cluster is raised as it is.
            if isinstance(exc, (CancelledError, OSError, TimeoutError)) or client.status != "running":
                raise StanceError(f"lost the Dask scheduler at {self.address} during the run") from None
            raise
        finally:
            if self.owned:
                self.close()
            else:  # a client we were lent: leave nothing of ours on its cluster
                client.cancel([future for _, future in pending] + ([shared] if shared is not None else []))


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().split("\n", 1)[0]


def _check_address(address: str) -> tuple[str, str, int]:
    """``tcp://host:port`` (or ``tls://``, or ``host:port``) as (scheme, host, port), else a user error."""
    scheme, sep, rest = address.partition("://")
    if not sep:
        scheme, rest = "tcp", address
    host, colon, port = rest.rpartition(":")
    host = host.strip("[]")  # an IPv6 address is written [::1]:8786
    if scheme not in ("tcp", "tls") or not colon or not host or not port.isdigit() or not 0 < int(port) < 65536 \
            or "/" in rest or " " in rest:
        raise StanceError(f"--scheduler {address!r}: give a Dask scheduler address, tcp://host:port")
    return scheme, host, int(port)


def _connect(address: str) -> Any:
    """A Client of the scheduler at ``address``, connected within :data:`CONNECT_TIMEOUT` in all.

    Client's own timeout covers the TCP connection, not the handshake that follows: a
    peer that accepts and never answers would hold us for minutes. So for TCP the first
    bytes of the handshake are awaited here first, with the deadline (which also catches a
    peer that is not Dask), and the Client is made in a thread that we wait for no longer
    than what is left of it.
    """
    import socket
    import struct

    from dask.utils import parse_timedelta

    scheme, host, port = _check_address(address)
    budget = float(parse_timedelta(CONNECT_TIMEOUT))
    deadline = time.monotonic() + budget
    where = f"cannot reach the Dask scheduler at {address}"
    if scheme == "tcp":
        try:
            with socket.create_connection((host, port), timeout=budget) as probe:
                head = b""
                while len(head) < 8:
                    probe.settimeout(max(0.01, deadline - time.monotonic()))
                    data = probe.recv(8 - len(head))
                    if not data:
                        raise StanceError(f"{where} (it closed the connection: not a Dask scheduler?)")
                    head += data
        except TimeoutError:
            raise StanceError(f"{where} (no answer within {budget:g} s)") from None
        except OSError as exc:
            raise StanceError(f"{where} ({exc.strerror or exc})") from None
        (size,) = struct.unpack("<Q", head)
        if not 0 < size <= MAX_HANDSHAKE_BYTES:
            raise StanceError(f"{where}: the peer is not a Dask scheduler (it answered with other data)")

    from distributed import Client

    outcome: dict[str, Any] = {}

    def connect() -> None:
        try:
            outcome["client"] = Client(address, timeout=max(1.0, deadline - time.monotonic()), set_as_default=False)
        except Exception as exc:  # reported below, in one line
            outcome["error"] = exc

    thread = threading.Thread(target=connect, name="stance-dask-connect", daemon=True)
    thread.start()
    thread.join(max(0.0, deadline - time.monotonic()) + 1.0)
    if thread.is_alive():
        raise StanceError(f"{where} (no answer within {budget:g} s)")
    if "error" in outcome:
        raise StanceError(f"{where} ({_first_line(outcome['error']) or type(outcome['error']).__name__})")
    return outcome["client"]
