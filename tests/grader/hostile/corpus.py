"""Every hostile submission graded in the one ./grade run (CASES, in the order they are written) and the writing
of the submissions folder. Holds sources and expectations only: never grades, never checks a verdict.

One ./grade run over one folder (two submissions at a time, two spec items: act.sigmoid.values and
act.relu.values; tests/grader/conftest.py's ``graded``) exercises the real command, its parallelism, its copy
step, the sandbox and its class summary. "good" is a correct sigmoid and relu (written out, not imported,
case.py's GOOD, with a classmate's secret in it); every other submission starts from it and adds one kind of
trouble:
- broken.py: syntax and import errors, a missing name, an endless loop, a memory bomb, exits at import and in
  a function, NaN and a wrong shape, pytest.skip, an __eq__ that is always true; a flood of output and
  forged "passed" lines;
- tampering.py: tampering with numpy, the kit's modules and tables (and pytest-xdist's channel, were it
  there), tinygrad's Tensor.numpy, pytest's plugins, the report files;
- reaching.py: reaching for the reference (import, a thread, paths on disk), PyTorch, a classmate's file;
- processes.py: killing its parent, taking over the results channel (stolen fds, forged frames), a detached
  daemon (and the submission graded after it), a last request never answered;
- frames.py: malformed protocol frames (wrong types, an unknown tag, an oversized blob);
- on_disk.py: a planted conftest.py and pytest.ini, symbolic links and FIFOs, a submission that is a link.

The pytest process that checks the items never imports a submission: each runs in a worker inside bubblewrap
and only talks through size-capped frames, so "tampering" can at most change what its own worker claims;
values are compared in the kit. tests/grader/test_hostile_*.py check the verdicts, that every report is
written, that no secret leaks into any output, that no process of a submission's user outlives the grade,
and that the student's feedback never shows the kit's tracebacks.
"""
import pathlib
import textwrap

from tests.grader.hostile.broken import BROKEN
from tests.grader.hostile.case import DAEMON_MARKER, GOOD, Case
from tests.grader.hostile.frames import FRAMES
from tests.grader.hostile.on_disk import ON_DISK, write_on_disk
from tests.grader.hostile.processes import PROCESSES
from tests.grader.hostile.reaching import REACHING
from tests.grader.hostile.tampering import TAMPERING
from tests.meta.run_suite import REPO

CASES: dict[str, Case] = {
    "good": Case(GOOD, "pass", "pass"),
    **BROKEN,
    **TAMPERING,
    **REACHING,
    **PROCESSES,
    **FRAMES,
    **ON_DISK,
}
# checked in a test of their own, so that a failure there names the hole
OWN_TEST = {"patches_tinygrad_method"}
# what staff must see in report.json's "integrity" (a word of some flag)
INTEGRITY = {"imports_torch": "torch", "imports_reference": "impl", "reaches_reference": "impl", "patches_kit": "aifund.kit"}


def write_submissions(root: pathlib.Path) -> pathlib.Path:
    subs = root / "submissions"
    subs.mkdir()
    fill = {"@@SUBS@@": str(subs), "@@OUT@@": str(root / "grades"), "@@REPO@@": str(REPO), "@@MARKER@@": DAEMON_MARKER}
    for name, case in CASES.items():
        if case.code is not None:
            code = textwrap.dedent(case.code)
            for key, value in fill.items():
                code = code.replace(key, value)
            (subs / f"{name}.py").write_text(code)
    write_on_disk(root, subs)
    return subs
