"""The Hypothesis example database (aifund.kit.examples, aifund.kit.profiles): failures found by random
exploration are kept, and replayed by every later run, the derandomised default included; the mutants and
grading profiles never read one; the database belongs to the trusted process, not the worker.

The end-to-end test is issue 13's "done when": a mutant whose bug the default profile misses is found by
the explore profile, saved, and then fails the default profile too.
"""
import json
import os
import pathlib
import shutil
import subprocess
import sys
import time

import pytest
from hypothesis import Phase, given, settings, strategies as st
from hypothesis.database import (DirectoryBasedExampleDatabase, GitHubArtifactDatabase, MultiplexedDatabase,
                                 ReadOnlyDatabase)

from aifund import sandbox
from aifund.kit import examples, profiles, worker_session
from tests.meta.run_suite import REPO
from tests.meta.test_mutants import declared

pytestmark = pytest.mark.meta
EXPLORE_ONLY = REPO / "tests" / "mutants" / "explore_only"


class FakeConfig:
    """What profiles.load reads of a pytest config."""

    def __init__(self, profile, store=None):
        self.profile, self._example_store = profile, store

    def getoption(self, name, default=None):
        return self.profile if name == "--hypothesis-profile" else default


def _case(example: str) -> str:
    """A failing case as Hypothesis prints it, without its explanation comments ("# or any other generated
    value": Hypothesis adds them when it finds an argument that does not matter, in one run and not another)."""
    return "\n".join(line.split("  # ")[0].rstrip() for line in example.splitlines())


@pytest.fixture
def restore_profile():
    """profiles.load changes this process's Hypothesis settings (in ./run-tests, a conformance run whose
    profile has the kit's database): put every profile, and the one loaded, back as they were."""
    before = settings.get_current_profile_name()
    saved = {name: settings.get_profile(name) for name in profiles.BASE}
    yield
    for name, profile in saved.items():
        settings.register_profile(name, profile)
    settings.load_profile(before)


# --- profiles and their databases ---------------------------------------------------------------------

def test_ci_stays_derandomized_and_gets_the_database(tmp_path, restore_profile):
    store = examples.open_store(str(tmp_path / "db"), "impl", tmp_path, environ={})
    for name in ("ci", "thorough", "explore"):
        assert profiles.load(FakeConfig(name, store)) == name
        assert settings.default.database is store.database, name
        assert Phase.reuse in settings.default.phases, name
        assert settings.default.derandomize == (name == "ci"), name
    for name in profiles.WITHOUT_DATABASE:
        profiles.load(FakeConfig(name, store))
        assert settings.default.database is None and settings.default.derandomize, name
    profiles.load(FakeConfig("ci", None))
    assert settings.default.database is None, "outside a conformance run (no store) there is no database"


BAD = {"value": None}   # what the test below rejects; its source, hence its database key, stays the same


def test_derandomized_ci_replays_a_saved_failure(tmp_path, restore_profile):
    """Replay itself, in this process: a failure saved by one run fails a later derandomised ci run whose own
    dozen examples would not draw it."""
    store = examples.open_store(str(tmp_path / "db"), "impl", tmp_path, environ={})

    def run(profile, store):
        profiles.load(FakeConfig(profile, store))

        @given(st.integers(0, 10 ** 9))
        def check(x):
            assert BAD["value"] is None or not BAD["value"](x)
        try:
            check()
        except AssertionError:
            return "fail"
        return "pass"

    try:
        BAD["value"] = lambda x: x >= 1000          # found at once, shrunk to 1000 and saved
        assert run("explore", store) == "fail"
        BAD["value"] = lambda x: x == 1000          # only a replay of the saved case finds this
        assert run("ci", None) == "pass", "ci's own dozen examples drew 1000: the check proves nothing, change it"
        assert run("ci", store) == "fail", "ci did not replay the saved failure"
    finally:
        BAD["value"] = None


def test_hypothesis_still_records_a_random_tests_seed(restore_profile):
    """The report takes a failed test's seed from the attribute Hypothesis sets when it draws one."""
    profiles.load(FakeConfig("explore", None))

    @given(st.integers())
    def check(x):
        pass
    check()
    assert isinstance(getattr(check, "_hypothesis_internal_use_generated_seed", None), int)


# --- where the database is, and what it is made of ---------------------------------------------------

def test_default_locations(tmp_path):
    mine = tmp_path / "student" / "mine.py"
    assert examples.open_store(None, str(mine), tmp_path, environ={}).path == tmp_path / "student" / ".aifund-examples"
    package = tmp_path / "student" / "my_package"
    assert examples.default_dir(str(package)) == tmp_path / "student" / ".aifund-examples"
    assert examples.default_dir("impl") == REPO / ".hypothesis" / "aifund-examples"   # this is a checkout
    relative = examples.open_store("some/db", "impl", tmp_path, environ={})
    assert relative.path == tmp_path / "some" / "db", "--example-db is relative to where pytest was started"
    assert isinstance(relative.database, DirectoryBasedExampleDatabase) and relative.writable
    assert not (tmp_path / "some").exists(), "the folder is made on the first save, not before"


def test_an_unusable_folder_is_read_only_and_says_so(tmp_path):
    (tmp_path / "a_file").write_text("")
    store = examples.open_store(str(tmp_path / "a_file" / "db"), "impl", tmp_path, environ={})
    assert not store.writable and isinstance(store.database, ReadOnlyDatabase)
    assert "not writable" in store.describe()


def test_a_teams_shared_database_is_read_only_beside_the_local_one(tmp_path, monkeypatch):
    monkeypatch.setenv("AIFUND_CACHE", str(tmp_path / "cache"))
    store = examples.open_store(str(tmp_path / "db"), "impl", tmp_path,
                                environ={"AIFUND_SHARED_EXAMPLES": "octo-org/guide-kit"})
    db = store.database
    assert isinstance(db, MultiplexedDatabase)
    cache = tmp_path / "cache" / "github-artifacts" / "octo-org" / "guide-kit"
    assert db == MultiplexedDatabase(DirectoryBasedExampleDatabase(tmp_path / "db"), ReadOnlyDatabase(
        GitHubArtifactDatabase("octo-org", "guide-kit", artifact_name="hypothesis-example-db", path=cache)))
    assert store.shared == "octo-org/guide-kit" and "octo-org/guide-kit" in store.describe()
    assert not cache.exists(), "nothing is fetched before Hypothesis reads the database"
    for bad in ("octo-org", "a/b/c", "https://github.com/a/b", " /x"):
        with pytest.raises(ValueError, match="owner/repo"):
            examples.open_store(None, "impl", tmp_path, environ={"AIFUND_SHARED_EXAMPLES": bad})


def test_the_worker_gets_neither_the_database_nor_its_token(tmp_path):
    mine = tmp_path / "mine.py"
    mine.write_text("")
    store = examples.open_store(None, str(mine), tmp_path, environ={})
    env = worker_session.worker_env({"GITHUB_TOKEN": "ghs_secret", "AIFUND_SHARED_EXAMPLES": "o/r", "PATH": "/usr/bin"})
    assert env == {"PATH": "/usr/bin"}
    for box in (sandbox.Sandbox("bwrap"), sandbox.Sandbox("none", reason="test")):
        argv, worker_environ, _ = sandbox.worker_command(box, target_src=mine if box.isolated else None,
                                                         target_dst=f"/submission/{mine.name}" if box.isolated
                                                         else str(mine), cache_dir=tmp_path / "cache",
                                                         reference=False, fds=(3, 4), env=env)
        seen = " ".join(argv) + " " + " ".join(f"{k}={v}" for k, v in worker_environ.items() if not box.isolated)
        assert str(store.path) not in seen and "ghs_secret" not in seen, box.kind
        if box.isolated:   # the worker sees its own file, not the folder that holds it (and the database)
            assert str(tmp_path) not in [a for i, a in enumerate(argv) if i and argv[i - 1] == "--ro-bind"]


def test_the_command_passes_example_db_on(monkeypatch):
    from aifund import cli
    seen = []
    monkeypatch.setattr("pytest.main", lambda args: seen.append(args) or 0)
    assert cli.conformance(["--example-db", "some/dir", "-n", "0"]) == 0
    assert "--example-db=some/dir" in seen[0]


# --- end to end: explore finds, the database keeps, the default profile replays -----------------------

MUTANT = EXPLORE_ONLY / "relu_tiled_tail.py"
MODULE = "tests/conformance/test_s05_activations.py"   # holds the item's test: only it is collected
SEED = 1


def _env():
    drop = ("PYTEST_XDIST", "PYTEST_CURRENT", "HYPOTHESIS_PROFILE") + examples.SECRET_ENV
    return {k: v for k, v in os.environ.items() if not k.startswith(drop)}


def _start(impl, db: pathlib.Path, profile: str, out: pathlib.Path, items, extra=()):
    cmd = [sys.executable, "-m", "pytest", MODULE, "-q", "-p", "no:cacheprovider", f"--impl={impl}",
           "--reference-visible", f"--spec-items={','.join(items)}", f"--hypothesis-profile={profile}",
           f"--example-db={db}", f"--conformance-json={out}", *extra]
    return subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_env())


def _finish(runs: dict, tmp_path) -> dict:
    """{name: (report, exit status, output)} once every run has ended."""
    done = {}
    for name, proc in runs.items():
        output, _ = proc.communicate(timeout=300)
        out = tmp_path / f"{name}.json"
        assert out.exists(), f"run {name} wrote no report (exit {proc.returncode}):\n{output[-4000:]}"
        done[name] = (json.loads(out.read_text()), proc.returncode, output)
    return done


def _saved(db: pathlib.Path) -> list[pathlib.Path]:
    return [p for p in db.rglob("*") if p.is_file()] if db.exists() else []


def test_a_failure_explore_finds_is_kept_and_replayed_by_the_default_profile(tmp_path):
    items = declared(MUTANT)["CAUGHT_BY"]
    db = {name: tmp_path / f"db-{name}" for name in ("a", "b", "d")}
    started = time.monotonic()
    # (a) the default profile, empty database: the bug is missed; (b) explore, fresh database, fixed seed: found
    # and saved; (d) the reference, empty database. Independent, so they run side by side.
    first = _finish({"a": _start(MUTANT, db["a"], "ci", tmp_path / "a.json", items),
                     "b": _start(MUTANT, db["b"], "explore", tmp_path / "b.json", items, [f"--hypothesis-seed={SEED}"]),
                     "d": _start("impl", db["d"], "ci", tmp_path / "d.json", items)}, tmp_path)
    (a, a_code, a_out), (b, b_code, b_out), (d, d_code, d_out) = first["a"], first["b"], first["d"]
    for i in items:
        assert a["items"][i]["status"] == "pass", (
            f"the default profile found the explore-only mutant's bug by itself ({i}: {a['items'][i]['message'][:800]}): "
            "its dozen examples changed (Hypothesis or the test changed); give the mutant a rarer bug")
        assert b["items"][i]["status"] == "fail", (
            f"explore (seed {SEED}) did not find the bug: {b['items'][i]}\n{b_out[-3000:]}")
    assert a_code == 0 and b_code == 1
    saved = _saved(db["b"])
    assert saved, "explore found a failure but the example database stayed empty"
    assert (b["profile"], b["seed"], b["example_db"]) == ("explore", SEED, str(db["b"]))
    assert (a["profile"], a["seed"], a["example_db"]) == ("ci", "derandomized", str(db["a"]))
    found = {i: [e["example"] for e in b["items"][i]["examples"]] for i in items}
    for i in items:
        assert found[i] and all(e.startswith(("Failing test case: test_", "Falsifying example: test_"))
                                and "impl=" not in e for e in found[i]), found[i]
        shown = b_out.split("what failed, in full")[-1]
        assert found[i][0].splitlines()[1].strip() in shown, "the failing case is shown in the kit's summary too"

    # (c) the default profile again, with (b)'s database: the saved case is replayed, and fails;
    # (e) the reference with a copy of that database: it passes the replayed case, as with an empty one.
    shutil.copytree(db["b"], tmp_path / "db-e")
    second = _finish({"c": _start(MUTANT, db["b"], "ci", tmp_path / "c.json", items),
                      "e": _start("impl", tmp_path / "db-e", "ci", tmp_path / "e.json", items)}, tmp_path)
    (c, c_code, c_out), (e, e_code, e_out) = second["c"], second["e"]
    for i in items:
        assert c["items"][i]["status"] == "fail", f"the default profile did not replay the saved failure:\n{c_out[-3000:]}"
        assert [_case(x["example"]) for x in c["items"][i]["examples"]] == [_case(x) for x in found[i]], \
            "another case than the one explore saved"
    assert c_code == 1 and c["seed"] == "derandomized"
    verdicts = {name: {k: v["status"] for k, v in r["items"].items()} for name, r in (("d", d), ("e", e))}
    assert verdicts["d"] == verdicts["e"] and {verdicts["d"][i] for i in items} == {"pass"}, (d_out[-2000:], e_out[-2000:])
    assert d_code == e_code == 0
    print(f"end to end: {time.monotonic() - started:.1f} s")


def test_random_profiles_stay_random_on_a_ci_machine():
    """Hypothesis loads its own derandomised "ci" profile at import when CI is set (GitHub Actions sets it);
    the kit's random profiles must not inherit that, or the nightly exploration would never explore."""
    import subprocess
    import sys
    code = ("from hypothesis import settings; from aifund.kit import profiles\n"
            "for name in ('thorough', 'explore', 'ci'):\n"
            "    settings.load_profile(name); print(name, settings.default.derandomize)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "CI": "true"}).stdout.split()
    assert out == ["thorough", "False", "explore", "False", "ci", "True"], out
