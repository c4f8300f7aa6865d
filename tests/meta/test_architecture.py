"""docs/architecture.md stays true: every module it names exists, and every module of the kit is under 300 lines."""
import pathlib
import re

import pytest

pytestmark = pytest.mark.meta
ROOT = pathlib.Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "architecture.md"


def test_every_path_the_architecture_page_names_exists():
    named = set(re.findall(r"`((?:aifund|spec|tests|impl|scripts|docs)/[\w/.]+?\.(?:py|toml|md))", PAGE.read_text()))
    assert len(named) > 25, "the page names the modules along the path"
    assert sorted(p for p in named if not (ROOT / p).is_file()) == []


def test_no_module_of_the_kit_holds_two_roles_by_size():
    big = {str(p.relative_to(ROOT)): n for p in [*ROOT.glob("aifund/**/*.py"), *ROOT.glob("impl/*.py")]
           if (n := len(p.read_text().splitlines())) > 300}
    assert big == {}, "a module over 300 lines usually holds two roles: split it along its seam"
