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

from aifund.training.datasets import NAMES, data_dir, load_dataset
from aifund.training.training import MODELS, Config, train
from aifund.reference.weights import save_weights
from aifund import __version__


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
    p.add_argument("--model", choices=MODELS, default=d.model)
    p.add_argument("--data", choices=NAMES, default="mnist-5k")
    p.add_argument("--data-dir", default=None, help="default: $AIFUND_DATA, else shared/data beside a checkout of the kit, else ~/.cache/aifund/data")
    p.add_argument("--epochs", type=int, default=d.epochs)
    p.add_argument("--batch-size", type=int, default=d.batch_size)
    p.add_argument("--lr", type=float, default=d.lr)
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--schedule", choices=("cosine", "constant"), default=d.schedule)
    p.add_argument("--augment", action="store_true", help="random 2-pixel-padded crops (CNN only)")
    p.add_argument("--out", default=None, help="output directory (default runs/MODEL-DATA)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    out = pathlib.Path(args.out or f"runs/{args.model}-{args.data}")
    out.mkdir(parents=True, exist_ok=True)
    data = load_dataset(args.data, args.data_dir)
    config = Config(model=args.model, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, seed=args.seed,
                    schedule=args.schedule, augment=args.augment)
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
              "versions": versions()}
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
