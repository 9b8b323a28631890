"""The training loop shared by every recipe: deterministic on CPU for a seed, defense-aware.

Texts are tokenized once and padded to the longest text (at most ``max_length``) so samples have a
fixed shape (Opacus needs that); each batch is then cut to its own longest text for speed. The
model is saved with safetensors, the tokenizer and ``id2label`` into a temporary folder that is
renamed into place, so a crash never leaves a half-written model directory.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from transformers import AutoModelForSequenceClassification, AutoTokenizer, BertConfig

from mia_platform.errors import ConfigError
from mia_platform.interfaces import TRAINING_RECORD, TrainingDefense
from mia_platform.pretrained import minilm_dir, quiet_loading
from mia_platform.rnn_model import MiaRnnConfig, MiaRnnForSequenceClassification

log = logging.getLogger(__name__)


@contextmanager
def deterministic_torch(seed: int, num_threads: int) -> Iterator[None]:
    """Seed torch, force deterministic kernels and a fixed thread count; restore them after."""
    threads = torch.get_num_threads()
    det = torch.are_deterministic_algorithms_enabled()
    warn = torch.is_deterministic_algorithms_warn_only_enabled()
    torch.manual_seed(seed)
    torch.set_num_threads(num_threads)
    # warn_only: a few CUDA kernels have no deterministic version; CPU runs are exact.
    torch.use_deterministic_algorithms(True, warn_only=True)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(det, warn_only=warn)


def build_model(
    architecture: str, hp: dict[str, Any], num_labels: int, vocab_size: int
) -> nn.Module:
    """A freshly initialised (or, for ``bert``, pre-trained) classifier; call under the seed."""
    if architecture == "transformer":
        if hp["hidden_size"] % hp["num_heads"]:
            raise ConfigError(
                f"recipe 'transformer': hidden_size {hp['hidden_size']} must be a multiple of "
                f"num_heads {hp['num_heads']}"
            )
        config = BertConfig(
            vocab_size=vocab_size,
            hidden_size=hp["hidden_size"],
            num_hidden_layers=hp["num_layers"],
            num_attention_heads=hp["num_heads"],
            intermediate_size=hp["intermediate_size"],
            hidden_dropout_prob=hp["dropout"],
            attention_probs_dropout_prob=hp["dropout"],
            max_position_embeddings=512,
            num_labels=num_labels,
        )
        return AutoModelForSequenceClassification.from_config(config)
    if architecture == "rnn":
        config = MiaRnnConfig(
            vocab_size=vocab_size,
            embedding_size=hp["embedding_size"],
            hidden_size=hp["hidden_size"],
            num_layers=hp["num_layers"],
            dropout=hp["dropout"],
            num_labels=num_labels,
        )
        return MiaRnnForSequenceClassification(config)
    if architecture == "bert":
        if not 1 <= hp["num_layers"] <= 6:
            raise ConfigError(f"recipe 'bert': num_layers must be 1..6, got {hp['num_layers']}")
        with quiet_loading():
            return AutoModelForSequenceClassification.from_pretrained(
                minilm_dir(),
                local_files_only=True,
                num_labels=num_labels,
                num_hidden_layers=hp["num_layers"],
                hidden_dropout_prob=hp["dropout"],
                attention_probs_dropout_prob=hp["dropout"],
            )
    raise ConfigError(f"unknown architecture {architecture!r}")


def _tensors(tokenizer: Any, texts: Sequence[str], max_length: int) -> tuple[torch.Tensor, ...]:
    enc = tokenizer(list(texts), truncation=True, max_length=max_length, padding="longest")
    ids = torch.tensor(enc["input_ids"], dtype=torch.long)
    mask = torch.tensor(enc["attention_mask"], dtype=torch.long)
    return ids, mask


def _unwrap(model: nn.Module) -> nn.Module:
    # Opacus' GradSampleModule (and similar wrappers) keep the real model in ``_module``.
    while hasattr(model, "_module"):
        model = model._module
    return model


def _accuracy(
    model: nn.Module,
    ids: torch.Tensor,
    mask: torch.Tensor,
    y: torch.Tensor,
    device: torch.device,
    batch_size: int,
) -> float:
    model.eval()
    order = torch.argsort(mask.sum(1))
    correct = 0
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            width = int(mask[idx].sum(1).max())
            logits = model(
                input_ids=ids[idx, :width].to(device), attention_mask=mask[idx, :width].to(device)
            ).logits
            correct += int((logits.argmax(-1).cpu() == y[idx]).sum())
    return correct / max(len(y), 1)


def _save_atomically(model: nn.Module, tokenizer: Any, info: dict, out_dir: Path) -> Path:
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        with quiet_loading():
            model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        (tmp / TRAINING_RECORD).write_text(json.dumps(info, indent=2, sort_keys=True) + "\n")
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(tmp, out_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out_dir


def train_classifier(
    architecture: str,
    hp: dict[str, Any],
    texts: Sequence[str],
    labels: np.ndarray,
    label_names: Sequence[str],
    out_dir: Path,
    *,
    seed: int,
    training_defenses: Sequence[TrainingDefense] = (),
    device: str | None = None,
) -> tuple[Path, dict[str, Any]]:
    """Train ``architecture`` with hyper-parameters ``hp``; return (model dir, training info)."""
    from tqdm.auto import tqdm

    y = np.asarray(labels, dtype=np.int64)
    if len(texts) != len(y) or len(y) == 0:
        raise ConfigError(
            f"recipe {architecture!r}: need as many labels as texts (> 0), "
            f"got {len(texts)} texts and {len(y)} labels"
        )
    num_labels = len(label_names)
    if y.min() < 0 or y.max() >= num_labels:
        raise ConfigError(
            f"recipe {architecture!r}: label ids must lie in 0..{num_labels - 1}, "
            f"got {int(y.min())}..{int(y.max())}"
        )
    started = time.perf_counter()
    dev = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    tokenizer = AutoTokenizer.from_pretrained(minilm_dir(), local_files_only=True)
    ids, mask = _tensors(tokenizer, texts, hp["max_length"])
    targets = torch.from_numpy(y)
    with deterministic_torch(seed, hp["num_threads"]):
        model = build_model(architecture, hp, num_labels, len(tokenizer))
        model.config.id2label = {i: str(n) for i, n in enumerate(label_names)}
        model.config.label2id = {str(n): i for i, n in enumerate(label_names)}
        model.to(dev)
        optimizer = torch.optim.AdamW(
            model.parameters(), lr=hp["lr"], weight_decay=hp["weight_decay"]
        )
        loader = DataLoader(
            TensorDataset(ids, mask, targets),
            batch_size=hp["batch_size"],
            shuffle=True,
            generator=torch.Generator().manual_seed(seed),
        )
        trained = model
        for defense in training_defenses:
            trained, optimizer, loader = defense.wrap(
                trained, optimizer, loader, epochs=hp["epochs"], seed=seed
            )
        smoothing = max((float(d.label_smoothing) for d in training_defenses), default=0.0)
        loss_fn = nn.CrossEntropyLoss(label_smoothing=smoothing)
        bar = tqdm(
            range(hp["epochs"]),
            desc=f"train {architecture}",
            unit="epoch",
            disable=not os.isatty(2),
        )
        for _epoch in bar:
            trained.train()
            total, seen = 0.0, 0
            for b_ids, b_mask, b_y in loader:
                if len(b_y) == 0:  # Poisson sampling (DP-SGD) can draw an empty batch
                    continue
                width = max(int(b_mask.sum(1).max()), 1)
                logits = trained(
                    input_ids=b_ids[:, :width].to(dev), attention_mask=b_mask[:, :width].to(dev)
                ).logits
                loss = loss_fn(logits, b_y.to(dev))
                optimizer.zero_grad(set_to_none=True)
                with warnings.catch_warnings():
                    # Opacus' per-sample hooks trigger this on embedding layers; it is harmless
                    warnings.filterwarnings("ignore", message="Full backward hook is firing")
                    loss.backward()
                optimizer.step()
                total += float(loss.detach()) * len(b_y)
                seen += len(b_y)
            bar.set_postfix(loss=f"{total / max(seen, 1):.3f}")
        final = _unwrap(trained)
        train_acc = _accuracy(final, ids, mask, targets, dev, 2 * hp["batch_size"])
    info = {
        "recipe": architecture,
        "hparams": hp,
        "seed": seed,
        "num_texts": len(y),
        "train_accuracy": train_acc,
        "train_seconds": round(time.perf_counter() - started, 2),
        "defenses": {type(d).__name__: d.spent() for d in training_defenses},
    }
    log.info("trained %s on %d texts: train accuracy %.3f", architecture, len(y), train_acc)
    return _save_atomically(final.cpu(), tokenizer, info, out_dir), info
