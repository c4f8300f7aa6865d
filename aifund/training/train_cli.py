"""One command trains a named model on a named data set and writes its curves, pictures and numbers.

    python -m aifund.training.train_cli --model cnn --data mnist-5k --epochs 4 --out runs/cnn-mnist-5k

writes into --out: history.json (config, per-epoch numbers, versions),
curves.png, weights.npz (save_weights) and, for the CNN, filters.png.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import platform
import sys

from aifund.training.datasets import NAMES, DataMissing, data_dir, load_dataset
from aifund.training.idx import IDXError
from aifund.training.training import MODELS, RECIPES, Config, recipe, train
from aifund.reference.weights import save_weights
from aifund import __version__
from aifund.closed_pipe import quiet


def versions() -> dict:
    import numpy
    import tinygrad
    from importlib.metadata import version
    return {"python": platform.python_version(), "numpy": numpy.__version__,
            "tinygrad": version("tinygrad"), "machine": platform.machine(), "device": tinygrad.Device.DEFAULT}


def parse_args(argv=None):
    d = Config()
    p = argparse.ArgumentParser(prog="aifund-train", description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    p.add_argument("--model", choices=MODELS, default=d.model, help="which model")
    p.add_argument("--data", choices=NAMES, default="mnist-5k", help="which data set")
    p.add_argument("--data-dir", default=argparse.SUPPRESS,
                   help="(default: $AIFUND_DATA, else shared/data beside a checkout of the kit, else ~/.cache/aifund/data)")
    for flag, field, kind in (("--epochs", "epochs", int), ("--batch-size", "batch_size", int), ("--lr", "lr", float)):
        recipes = ", ".join(f"{m} {getattr(RECIPES[m], field):g}" for m in MODELS)
        p.add_argument(flag, type=kind, default=argparse.SUPPRESS, help=f"(default: the model's recipe: {recipes})")
    p.add_argument("--seed", type=int, default=d.seed, help="initialisation and shuffling")
    p.add_argument("--schedule", choices=("cosine", "constant"), default=d.schedule, help="learning-rate schedule")
    p.add_argument("--augment", action="store_true", help="random 2-pixel-padded crops (CNN only)")
    p.add_argument("--out", default=argparse.SUPPRESS, help="output directory (default: runs/MODEL-DATA)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p.parse_args(argv)


@quiet
def main(argv=None) -> int:
    args = parse_args(argv)
    out = pathlib.Path(getattr(args, "out", None) or f"runs/{args.model}-{args.data}")
    args.data_dir = getattr(args, "data_dir", None)
    try:
        data = load_dataset(args.data, args.data_dir)
    except (DataMissing, IDXError) as exc:      # before any work: one line, no traceback
        print(f"aifund-train: {exc}", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    given = {k: getattr(args, k) for k in ("epochs", "batch_size", "lr") if hasattr(args, k)}
    config = recipe(args.model, seed=args.seed, schedule=args.schedule, augment=args.augment, **given)
    print(f"training {args.model} on {data.name} ({len(data.x_train)} train / {len(data.x_test)} test samples, "
          f"data from {data_dir(args.data_dir) if data.name.startswith('mnist') else 'its package'})", flush=True)
    bar = None
    if not args.no_progress:
        from tqdm import tqdm
        bar = tqdm(total=1, unit="step", file=sys.stderr, dynamic_ncols=True)

    def progress(done, total, _loss):
        bar.total = total
        bar.update(done - bar.n)

    model, history = train(config, data, progress=progress if bar else None,
                           log=(bar.write if bar else print))
    if bar:
        bar.close()
    record = {"model": args.model, "data": data.name, "config": history.config, "epochs": history.epochs,
              "final_test_accuracy": history.final_accuracy, "train_seconds": history.train_seconds,
              "device": history.device, "versions": versions()}
    (out / "history.json").write_text(json.dumps(record, indent=2) + "\n")
    from aifund.training.plots import save_curves, save_filters
    save_curves(record, out / "curves.png", title=f"{args.model} on {data.name}")
    save_weights(model, out / "weights.npz")
    written = ["history.json", "curves.png", "weights.npz"]
    if args.model == "cnn":
        save_filters(model.c1_w.numpy(), out / "filters.png", title=f"SimpleCNN first-layer filters ({data.name})")
        written.append("filters.png")
    print(f"final test accuracy {history.final_accuracy:.2%} after {history.train_seconds:.0f} s; "
          f"wrote {', '.join(str(out / w) for w in written)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
