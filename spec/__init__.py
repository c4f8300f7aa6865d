"""The spec registry: every equation and numeric claim of the guide as an item.

Items live in one TOML file per guide section (``spec/sNN_*.toml``). Tests,
reports and graders all read them through :func:`load_items`.
"""
from __future__ import annotations

import pathlib
from dataclasses import dataclass, field

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10 (Jetson boards)
    import tomli as tomllib

SPEC_DIR = pathlib.Path(__file__).resolve().parent

# The names of the contract (spec/contract.toml, docs/contract.md), so a typo in `needs` is caught at load time.
CONTRACT_NAMES = frozenset({
    "sigmoid", "tanh", "relu", "leaky_relu", "gelu", "softmax",
    "Neuron", "Linear", "parameter_count", "MLP",
    "mse", "binary_cross_entropy", "categorical_cross_entropy",
    "SGD", "Momentum", "Adam", "l2_penalty", "step_decay", "cosine_annealing", "warmup_cosine",
    "EarlyStopping", "conv_output_size", "conv2d", "max_pool2d", "SimpleCNN",
    "dropout", "batch_norm", "hflip", "vflip", "random_crop", "gaussian_noise",
    "adjust_brightness", "adjust_contrast", "rotate",
    "quantize", "dequantize", "save_weights", "load_weights", "NumpyNeuron",
})

ORACLES = frozenset({
    "numpy-float64",     # a float64 numpy transcription of the formula
    "torch-float64",     # PyTorch, computing in float64
    "torch-autograd",    # PyTorch autograd in float64
    "finite-differences",  # central differences of the implementation itself, float64
    "invariant",         # an identity the guide implies, checked on generated inputs
    "statistics",        # a statistical bound derived from the sample size
    "exact",             # a number stated by the guide or derived by hand
    "tinygrad",          # tinygrad itself (for claims the guide makes about it)
    "torch-quantize",    # torch.quantize_per_tensor / quantize_per_channel where the scheme matches
    "call-trace",        # which library functions the implementation calls while it runs
})


@dataclass(frozen=True)
class Item:
    id: str
    section: str
    title: str
    statement: str
    needs: tuple[str, ...] = ()
    oracles: tuple[str, ...] = ()
    math: str = ""
    accepts: str = ""      # what is accepted where the answer is not unique
    weight: float = 1.0
    # The cases the contract names for this item (with and without a bias, padding 0 and > 0, inf as the first
    # loss...): each has an explicit example in the item's test, run in every profile (tests/meta/test_variants.py).
    variants: tuple[str, ...] = ()
    frameworks: tuple[str, ...] = ()   # the frameworks it applies to (aifund.frameworks.NAMES); () is every one
    source: str = field(default="", compare=False)  # the TOML file it came from

    def applies_to(self, framework: str) -> bool:
        """Whether the item is checked for an implementation written in ``framework``."""
        return not self.frameworks or framework in self.frameworks

    @property
    def checks_implementation(self) -> bool:
        """False for an item that checks a claim of the guide with the kit's oracles alone (it needs no contract
        name, so it never calls the implementation): reported apart, and worth no credit in a grade."""
        return bool(self.needs)


class SpecError(ValueError):
    pass


def _parse(path: pathlib.Path) -> list[Item]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    section = str(data["section"])
    items = []
    for raw in data.get("item", []):
        unknown = set(raw) - {"id", "title", "statement", "needs", "oracles", "math", "accepts", "weight", "section",
                                "variants", "frameworks"}
        if unknown:
            raise SpecError(f"{path.name}: item {raw.get('id')!r} has unknown keys {sorted(unknown)}")
        item = Item(
            id=raw["id"], section=str(raw.get("section", section)), title=raw["title"],
            statement=" ".join(raw["statement"].split()), needs=tuple(raw.get("needs", ())),
            oracles=tuple(raw.get("oracles", ())), math=raw.get("math", "").strip(),
            accepts=" ".join(raw.get("accepts", "").split()), weight=float(raw.get("weight", 1.0)),
            variants=tuple(raw.get("variants", ())), frameworks=tuple(raw.get("frameworks", ())),
            source=path.name,
        )
        bad_needs = set(item.needs) - CONTRACT_NAMES
        bad_oracles = set(item.oracles) - ORACLES
        if bad_needs or bad_oracles or not item.oracles:
            raise SpecError(f"{path.name}: item {item.id!r}: unknown needs {sorted(bad_needs)}, "
                            f"unknown oracles {sorted(bad_oracles)} (at least one oracle is required)")
        items.append(item)
    return items


def matches(item_id: str, word: str) -> bool:
    """The selection rule everywhere (--spec-items, course weights, hidden items): ``word`` is an item id,
    or a prefix ending in '.' that selects every item whose id starts with it."""
    return item_id == word or (word.endswith(".") and item_id.startswith(word))


def load_items(spec_dir: pathlib.Path = SPEC_DIR) -> dict[str, Item]:
    """Every spec item, by id, in file then file-order."""
    items: dict[str, Item] = {}
    for path in sorted(spec_dir.glob("s*.toml")):
        for item in _parse(path):
            if item.id in items:
                raise SpecError(f"duplicate spec id {item.id!r} in {path.name} and {items[item.id].source}")
            items[item.id] = item
    return items
