"""The Hypothesis example database of a conformance run: where failures are kept, and replayed from.

Hypothesis saves each failure it finds (the choices that generate the failing input, shrunk) under the
test's key, and replays the saved ones before generating new examples (Phase.reuse). The kit opens one
database per run, in the trusted pytest process; the implementation's process never gets its path or
the token that reads a shared one (with the sandbox it sees only its own file or package, read-only, and
a kernel cache; worker_session.session_of also leaves GITHUB_TOKEN and AIFUND_SHARED_EXAMPLES out of its
environment).

Where (``--example-db DIR`` overrides):

- ``--impl PATH``: ``.aifund-examples`` in the folder holding PATH, beside the learner's own code;
- the reference: ``.hypothesis/aifund-examples`` at the root of the kit's checkout (the folder the
  explore workflow caches and uploads), or ``$AIFUND_CACHE/examples`` (``~/.cache/aifund/examples``)
  when the kit is installed from a wheel.

Keys are Hypothesis' own, one per test (a digest of the test's source): nothing in them names the
implementation. Two implementations that use the same database replay each other's saved failures;
that is harmless (a saved entry only regenerates an input of the kit's own strategies, the oracle still
judges this implementation's answer, and one that passes it passes) and useful (an input that broke one
implementation is a hard case for the next). Implementations are kept apart where it matters by where the
database lives: beside each learner's module by default. One caveat of a shared *writable* folder:
Hypothesis deletes an entry that no longer fails, so an implementation that passes it removes it for the
others; the team's shared database below is read-only and never pruned.

A team's shared database: with ``AIFUND_SHARED_EXAMPLES=owner/repo`` (and ``GITHUB_TOKEN`` where the
repository or its artifacts are private), the run also reads, read-only, the artifact
``hypothesis-example-db`` of that repository's workflows (Hypothesis' GitHubArtifactDatabase: the explore
workflow uploads it), downloaded at most once a day into ``$AIFUND_CACHE/github-artifacts/owner/repo``.
"""
from __future__ import annotations

import os
import pathlib
import re
from dataclasses import dataclass

from hypothesis.database import (DirectoryBasedExampleDatabase, ExampleDatabase, GitHubArtifactDatabase,
                                 MultiplexedDatabase, ReadOnlyDatabase)

SHARED_ENV = "AIFUND_SHARED_EXAMPLES"
BESIDE_IMPL = ".aifund-examples"
ARTIFACT = "hypothesis-example-db"        # the artifact the explore workflow uploads (Hypothesis' default name)
SECRET_ENV = ("GITHUB_TOKEN", SHARED_ENV)  # never passed to the implementation's process
_PACKAGE = pathlib.Path(__file__).resolve().parents[1]      # aifund/
_OWNER_REPO = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?/[A-Za-z0-9._-]+$")


def user_cache() -> pathlib.Path:
    return pathlib.Path(os.environ.get("AIFUND_CACHE", pathlib.Path.home() / ".cache" / "aifund"))


def kit_checkout() -> pathlib.Path | None:
    """The root of the kit's source checkout, or None when the kit is installed from a wheel."""
    root = _PACKAGE.parent
    if (root / "pyproject.toml").is_file() and (root / "tests" / "conformance").is_dir():
        return root
    return None


def default_dir(target: str) -> pathlib.Path:
    """The database folder for ``target`` ("impl", the reference, or the absolute path of --impl)."""
    if target != "impl":
        return pathlib.Path(target).parent / BESIDE_IMPL
    root = kit_checkout()
    return root / ".hypothesis" / "aifund-examples" if root is not None else user_cache() / "examples"


def usable(path: pathlib.Path) -> bool:
    """The folder exists and is writable, or the nearest folder above it that exists is (it is made on the
    first save). Hypothesis' directory database says nothing when a save fails: this is checked first."""
    try:
        while not path.exists():
            path = path.parent
        return path.is_dir() and os.access(path, os.R_OK | os.W_OK | os.X_OK)
    except OSError:
        return False


def shared_repository(environ=os.environ) -> tuple[str, str] | None:
    """(owner, repo) from AIFUND_SHARED_EXAMPLES, None when unset; ValueError when it is not owner/repo."""
    value = environ.get(SHARED_ENV, "").strip()
    if not value:
        return None
    if not _OWNER_REPO.match(value):
        raise ValueError(f"{SHARED_ENV}={value!r}: expected owner/repo (the GitHub repository whose "
                         f"workflow uploads the artifact {ARTIFACT})")
    owner, repo = value.split("/")
    return owner, repo


@dataclass(frozen=True)
class ExampleStore:
    path: pathlib.Path              # the local directory database (absolute)
    writable: bool                  # False: read-only, so this run's failures are not kept
    shared: str | None              # "owner/repo" whose artifact is also read, read-only
    database: ExampleDatabase       # what Hypothesis is given

    def describe(self) -> str:
        text = str(self.path) + ("" if self.writable else " (not writable: failures found now are not kept)")
        if self.shared:
            text += f" + {self.shared}'s artifact {ARTIFACT} (read-only)"
        return text


def open_store(option: str | None, target: str, invocation_dir, environ=os.environ) -> ExampleStore:
    """The run's database: --example-db (relative to where pytest was started) or the default for target."""
    if option:
        path = pathlib.Path(option).expanduser()
        path = path if path.is_absolute() else pathlib.Path(invocation_dir) / path
    else:
        path = default_dir(target)
    path = pathlib.Path(os.path.abspath(path))
    writable = usable(path)
    local: ExampleDatabase = DirectoryBasedExampleDatabase(path)
    if not writable:
        local = ReadOnlyDatabase(local)
    shared = shared_repository(environ)
    database = local
    if shared is not None:
        owner, repo = shared
        artifact = GitHubArtifactDatabase(owner, repo, artifact_name=ARTIFACT,
                                          path=user_cache() / "github-artifacts" / owner / repo)
        database = MultiplexedDatabase(local, ReadOnlyDatabase(artifact))
    return ExampleStore(path=path, writable=writable, shared="/".join(shared) if shared else None,
                        database=database)
