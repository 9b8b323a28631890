"""Throughput of the target backends (texts/s) on real texts; a measurement, not a test.

Compares, at max_length 64 and 128 and batch size 32:
  (a) the raw Hugging Face forward with every batch padded to max_length (the naive baseline),
  (b) the ``torch`` backend (length bucketing, inference mode),
  (c) the ``onnx`` backend on the same model exported with ``mia export onnx``.
The model is all-MiniLM-L6-v2 cut to the ``bert`` recipe's default layer count with an untrained
classification head (speed does not depend on the weights).

    python benchmarks/bench_backends.py [--texts 2000] [--layers 2]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np


def load_texts(n: int, seed: int) -> tuple[list[str], int, str]:
    from mia_platform.manager import make_plugin_manager

    pm = make_plugin_manager()
    try:
        ds = pm.open_dataset("shakespeare")
        source = "shakespeare"
    except Exception:  # the embedded data is optional here; fall back to a shared dataset
        ds = pm.open_dataset(
            str(Path(__file__).resolve().parents[2] / "shared/data/reddit-college")
        )
        source = "reddit-college"
    pick = np.random.default_rng(seed).choice(len(ds), size=min(n, len(ds)), replace=False)
    return [ds.texts[i] for i in pick], ds.num_classes, source


def raw_forward(model, tokenizer, texts: list[str], max_length: int, batch_size: int) -> None:
    import torch

    with torch.inference_mode():
        for start in range(0, len(texts), batch_size):
            enc = tokenizer(
                texts[start : start + batch_size],
                truncation=True,
                max_length=max_length,
                padding="max_length",
                return_tensors="pt",
            )
            model(**enc)


def rate(fn, texts: list[str]) -> float:
    fn(texts[:64])  # warm-up
    started = time.perf_counter()
    fn(texts)
    return len(texts) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()

    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from mia_platform.export import export_onnx
    from mia_platform.manager import make_plugin_manager
    from mia_platform.pretrained import minilm_dir

    texts, num_classes, source = load_texts(args.texts, seed=0)
    pm = make_plugin_manager()
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = Path(tmp) / "minilm"
        torch.manual_seed(0)
        model = AutoModelForSequenceClassification.from_pretrained(
            minilm_dir(), num_labels=num_classes, num_hidden_layers=args.layers
        ).eval()
        tokenizer = AutoTokenizer.from_pretrained(minilm_dir())
        model.save_pretrained(model_dir)
        tokenizer.save_pretrained(model_dir)
        onnx_path = export_onnx(model_dir, Path(tmp) / "onnx" / "model.onnx").path
        print(
            f"{len(texts)} {source} texts, MiniLM {args.layers} layers, batch "
            f"{args.batch_size}, torch threads {torch.get_num_threads()}"
        )
        print(f"{'backend':<28} {'max_len':>7} {'texts/s':>9} {'vs (a)':>7}")
        bs = args.batch_size
        for max_length in (64, 128):
            base = rate(lambda t, m=max_length: raw_forward(model, tokenizer, t, m, bs), texts)
            rows = [("(a) raw HF, fixed padding", base)]
            for label, uri in (("(b) torch backend", model_dir), ("(c) onnx backend", onnx_path)):
                target = pm.open_target(
                    str(uri), max_length=max_length, batch_size=bs, progress=False
                )
                rows.append((label, rate(target.predict_logits, texts)))
            for label, value in rows:
                print(f"{label:<28} {max_length:>7} {value:>9.1f} {value / base:>6.2f}x")


if __name__ == "__main__":
    main()
