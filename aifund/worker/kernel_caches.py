"""tinygrad's kernel and schedule caches, kept on disk for the worker: lowered kernels, schedules, and the
shared read-only cache that trusted runs wrote. Speed only: they never change what tinygrad computes, and
they never import the implementation under test (nor anything of the kit outside aifund/worker/)."""
from __future__ import annotations

import os


class LoweredKernels:
    """A small sqlite store of lowered kernels (zlib-compressed pickles), beside tinygrad's kernel cache.

    A file of its own, so that it cannot crowd tinygrad's database: the worker may write files of
    at most 256 MiB (the sandbox's limit), and a failed write there would fail a kernel's compilation.
    It stops growing at LIMIT; what is not stored is lowered again, as without it."""

    LIMIT = 32 << 20

    def __init__(self, path: str):
        self.path = path
        self.db = None

    def _connect(self):
        if self.db is None:
            import sqlite3
            db = sqlite3.connect(self.path, timeout=20, isolation_level=None)
            try:
                db.execute("PRAGMA journal_mode=WAL")   # readers do not wait for a writer
            except sqlite3.OperationalError:
                pass
            db.execute("CREATE TABLE IF NOT EXISTS lowered (key TEXT PRIMARY KEY, val BLOB)")
            self.db = db
        return self.db

    def get(self, key: str):
        import pickle
        import zlib
        row = self._connect().execute("SELECT val FROM lowered WHERE key = ?", (key,)).fetchone()
        blob = row[0] if row else SHARED.row("lowered.db", "SELECT val FROM lowered WHERE key = ?", (key,))
        return pickle.loads(zlib.decompress(blob)) if blob is not None else None

    def put(self, key: str, value):
        import pickle
        import zlib
        size = sum(os.path.getsize(p) for p in (self.path, self.path + "-wal") if os.path.exists(p))
        if size < self.LIMIT:
            self._connect().execute("INSERT OR REPLACE INTO lowered (key, val) VALUES (?, ?)",
                                    (key, zlib.compress(pickle.dumps(value))))


class SharedKernels:
    """Read-only access to a kernel cache that only trusted runs write (the reference's, ``$AIFUND_SHARED_CACHE``).

    A worker's own cache may hold anything its implementation wrote there, compiled code included, so no
    other implementation ever reads it. The kernels that most implementations share (the reference's, the
    kit's own requests) come from this second cache instead, mounted read-only in the sandbox: a lookup
    tries the worker's own cache first, then this one; new kernels go to the worker's own cache only.
    Any error (no such file, another schema, a locked database) is a miss."""

    def __init__(self, folder: str | None):
        self.folder = folder
        self.connections: dict[str, object] = {}

    def _db(self, name: str):
        if not self.folder or name in self.connections:
            return self.connections.get(name)
        import sqlite3
        path = os.path.join(self.folder, name)
        db = None
        if os.path.isfile(path):
            for uri in (f"file:{path}?mode=ro", f"file:{path}?immutable=1"):
                try:
                    db = sqlite3.connect(uri, uri=True, timeout=5)
                    db.execute("SELECT count(*) FROM sqlite_master").fetchone()
                    break
                except sqlite3.Error:
                    db = None
        self.connections[name] = db
        return db

    def row(self, name: str, query: str, args: tuple):
        db = self._db(name)
        if db is None:
            return None
        try:
            found = db.execute(query, args).fetchone()
        except Exception:  # noqa: BLE001 - a missing table, a locked or damaged file: a miss
            return None
        return found[0] if found else None


SHARED = SharedKernels(os.environ.get("AIFUND_SHARED_CACHE"))


def install_shared_kernels() -> bool:
    """tinygrad's compiled-kernel lookups fall back to the shared read-only cache (see SharedKernels)."""
    if not SHARED.folder:
        return False
    try:
        import pickle

        from tinygrad import device
        from tinygrad.helpers import VERSION
        own = device.diskcache_get
    except Exception:  # noqa: BLE001 - another tinygrad: its own cache only
        return False
    if getattr(own, "aifund_shared", False):
        return True

    def layered(table, key):
        value = own(table, key)
        if value is None:
            keys = key if isinstance(key, dict) else {"key": key}
            blob = SHARED.row("kernels.db", f"SELECT val FROM '{table}_{VERSION}' WHERE "
                              + " AND ".join(f"{k}=?" for k in keys), tuple(keys.values()))
            if blob is not None:
                try:
                    value = pickle.loads(blob)
                except Exception:  # noqa: BLE001
                    value = None
        return value

    layered.aifund_shared = True
    device.diskcache_get = layered
    return True


def install_lowering_cache() -> bool:
    """Keeps the kernels tinygrad lowers in the worker's kernel-cache folder, beside the compiled binaries.

    tinygrad's disk cache (CACHEDB) keeps only the last step of making a kernel, C source -> binary.
    Turning the kernel's AST into that source (``do_to_program``: optimisation, linearisation,
    rendering) runs again in every new process, tens of ms per kernel, and was about a third of what
    a warm run of the conformance suite spent in its workers. This keeps the PROGRAM it produces
    under the key tinygrad's own in-memory cache uses (``to_program_key``: the AST's hash, the
    renderer and the settings that change the code) plus the tinygrad version, in ``lowered.db`` next
    to CACHEDB. The implementation's graph is still built, scheduled and run by tinygrad; only the
    translation of an identical kernel is remembered, as tinygrad already remembers its compilation.
    The folder is the one the worker writes its kernels to anyway (the kit's kernel cache, a private
    folder under the grader), so this widens nothing. Anything unexpected (another tinygrad,
    CACHELEVEL=0, no CACHEDB, a locked, full or unreadable database, an entry that is not a PROGRAM)
    falls back to lowering. Returns whether it was installed.
    """
    try:
        import hashlib

        import tinygrad
        from tinygrad import codegen
        from tinygrad.helpers import CACHEDB, CACHELEVEL
        from tinygrad.uop.ops import Ops, UOp
        lower, key_of = codegen.do_to_program, codegen.to_program_key
    except Exception:  # noqa: BLE001 - another tinygrad: it lowers as it always does
        return False
    if getattr(lower, "aifund_store", None) is not None:
        return True
    if CACHELEVEL < 1 or not os.environ.get("CACHEDB"):
        return False
    store = LoweredKernels(os.path.join(os.path.dirname(os.path.abspath(CACHEDB)), "lowered.db"))
    version = getattr(tinygrad, "__version__", "?")

    def remembered(ast, renderer):
        try:
            key = hashlib.sha256(repr((version, key_of(ast, renderer))).encode()).hexdigest()
            prg = store.get(key)
            if isinstance(prg, UOp) and prg.op is Ops.PROGRAM:
                return prg
        except Exception:  # noqa: BLE001 - an unreadable entry or database: lower again
            key = None
        prg = lower(ast, renderer)
        if key is not None:
            try:
                store.put(key, prg)
            except Exception:  # noqa: BLE001 - a locked, full or read-only database: just go on
                pass
        return prg

    remembered.aifund_store = store
    codegen.do_to_program = remembered
    return True


class RememberedSchedules(dict):
    """tinygrad's in-memory schedule cache (``tinygrad.schedule.schedule_cache``), kept on disk as well.

    Before it runs anything, tinygrad turns the graph of a realize into a schedule: the list of kernels
    (``lower_sink_to_linear``: rangeify, kernel graph, ordering). It remembers the result for the rest of
    the process under the graph's content hash (``UOp.key``: every op, dtype, constant and shape, with
    buffers as numbered parameters), and a new process starts with none. Each worker is a new process, so
    every conformance test, grade and mutant scheduled the same graphs again: about a fifth of what a
    worker spends, in Python. Here a miss in memory is looked up in ``lowered.db`` (the worker's cache,
    then the shared read-only one, as for lowered kernels) under that hash plus the tinygrad version, and
    a schedule tinygrad makes is stored there too. Only tinygrad's own output for an identical graph is
    reused, as within one process; anything unexpected (an unreadable entry, one that is not a LINEAR, a
    full or locked database) is a miss, and tinygrad schedules as it always does."""

    def __init__(self, store: "LoweredKernels", version: str, known: dict):
        super().__init__(known)
        self.store, self.version = store, version
        self.loaded = self.stored = 0          # counts, for the tests and for DEBUG

    def _key(self, key) -> str:
        import hashlib
        return "schedule:" + hashlib.sha256(repr((self.version, bytes(key))).encode()).hexdigest()

    def get(self, key, default=None):
        found = super().get(key)
        if found is None:
            try:
                from tinygrad.uop.ops import Ops, UOp
                value = self.store.get(self._key(key))
                if isinstance(value, UOp) and value.op is Ops.LINEAR:
                    super().__setitem__(key, value)
                    self.loaded += 1
                    found = value
            except Exception:  # noqa: BLE001 - an unreadable entry or database: schedule again
                found = None
        return default if found is None else found

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        try:
            self.store.put(self._key(key), value)
            self.stored += 1
        except Exception:  # noqa: BLE001 - a value that does not pickle, a locked, full or read-only database
            pass


def install_schedule_cache() -> bool:
    """tinygrad's schedule cache is also read from and written to ``lowered.db`` (see RememberedSchedules).
    Same conditions as install_lowering_cache: CACHELEVEL >= 1 and a CACHEDB; returns whether installed."""
    try:
        import tinygrad
        from tinygrad import schedule
        from tinygrad.helpers import CACHEDB, CACHELEVEL
        known = schedule.schedule_cache
    except Exception:  # noqa: BLE001 - another tinygrad: it schedules as it always does
        return False
    if isinstance(known, RememberedSchedules):
        return True
    if CACHELEVEL < 1 or not os.environ.get("CACHEDB") or type(known) is not dict:
        return False
    from tinygrad import codegen
    store = getattr(codegen.do_to_program, "aifund_store", None) or \
        LoweredKernels(os.path.join(os.path.dirname(os.path.abspath(CACHEDB)), "lowered.db"))
    schedule.schedule_cache = RememberedSchedules(store, getattr(tinygrad, "__version__", "?"), known)
    return True
