"""What the running test is checking: its spec item(s) and the implementation's path.

The plugin fills this in before each test so that failure messages can name the
item, the guide's section and a reproduction without every test passing them.
"""
from dataclasses import dataclass, field


@dataclass
class Current:
    item_ids: tuple = ()
    section: str = ""
    impl_path: str = "impl"
    framework: str = "tinygrad"
    notes: list = field(default_factory=list)


CURRENT = Current()
