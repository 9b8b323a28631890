"""``TorchTarget``: a Hugging Face sequence classifier queried with length bucketing.

Texts are tokenized once (truncated to ``max_length``), sorted by token length, batched, padded
per batch and run under ``torch.inference_mode()``; logits come back in input order. An empty
text "" becomes ``[CLS] [SEP]`` and gets the model's logits for that (it does not fail); the data
policy normally drops empty texts before any query.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from mia_platform.batching import length_buckets, pad_batch, restore_order
from mia_platform.errors import TargetError
from mia_platform.fingerprint import fingerprint_files
from mia_platform.interfaces import OutputKind
from mia_platform.pretrained import quiet_loading
from mia_platform.rnn_model import register_auto_classes

#: Show a progress bar only for queries of more batches than this (and only on a terminal).
PROGRESS_MIN_BATCHES = 20


def label_names_of(config: object) -> list[str]:
    """Label names ordered by id from a HF config's ``id2label``."""
    id2label = {int(k): str(v) for k, v in getattr(config, "id2label", {}).items()}
    return [id2label.get(i, f"LABEL_{i}") for i in range(int(config.num_labels))]


def resolve_device(device: str | None) -> torch.device:
    """``None``/"auto" -> CUDA when available, else CPU; otherwise the named device."""
    if device in (None, "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


class TorchTarget:
    """A model directory (config.json + safetensors + tokenizer) opened as a Target.

    :param uri: the model directory.
    :param max_length: truncate texts to this many tokens (special tokens included); capped by
        the model's position embeddings.
    :param batch_size: texts per forward pass.
    :param device: "auto" (default: CUDA if available), "cpu", "cuda", "cuda:1", ...
    :param progress: True/False to force the bar; None shows it on a terminal for long queries.
    :param trust_remote_code: off by default; only for model directories you trust.
    """

    output_kind: OutputKind = "logits"

    def __init__(
        self,
        uri: str | Path,
        *,
        max_length: int = 128,
        batch_size: int = 32,
        device: str | None = "auto",
        progress: bool | None = None,
        trust_remote_code: bool = False,
    ) -> None:
        self.path = Path(uri)
        if not (self.path / "config.json").is_file():
            raise TargetError(
                f"{self.path}: not a Hugging Face model directory (no config.json); "
                "fix: pass the folder written by save_pretrained"
            )
        if not any(self.path.glob("*.safetensors")):
            raise TargetError(
                f"{self.path}: no *.safetensors weights (pickled .bin weights are refused); "
                "fix: re-save the model with safe_serialization=True"
            )
        if max_length < 2 or batch_size < 1:
            raise TargetError(
                f"{self.path}: max_length must be >= 2 and batch_size >= 1, "
                f"got max_length={max_length}, batch_size={batch_size}"
            )
        register_auto_classes()
        try:
            with quiet_loading():
                self.tokenizer = AutoTokenizer.from_pretrained(
                    self.path, local_files_only=True, trust_remote_code=trust_remote_code
                )
                self.model = AutoModelForSequenceClassification.from_pretrained(
                    self.path,
                    local_files_only=True,
                    trust_remote_code=trust_remote_code,
                    use_safetensors=True,
                )
        except (OSError, ValueError, KeyError) as exc:
            raise TargetError(f"{self.path}: cannot load model or tokenizer: {exc}") from exc
        self.device = resolve_device(device)
        self.model.to(self.device).eval()
        limit = getattr(self.model.config, "max_position_embeddings", None)
        self.max_length = min(max_length, limit) if limit else max_length
        self.batch_size = batch_size
        self.progress = progress
        self.num_classes = int(self.model.config.num_labels)
        self.label_names = label_names_of(self.model.config)
        self._fingerprint: str | None = None

    @property
    def fingerprint(self) -> str:
        """Hash of config.json and the safetensors files (computed once)."""
        if self._fingerprint is None:
            files = [self.path / "config.json", *self.path.glob("*.safetensors")]
            self._fingerprint = fingerprint_files(files, extra=json.dumps(self.label_names))
        return self._fingerprint

    def encode(self, texts: Sequence[str]) -> dict[str, list[list[int]]]:
        """Tokenize without padding, truncated to ``max_length``."""
        bad = [i for i, t in enumerate(texts) if not isinstance(t, str)]
        if bad:
            raise TargetError(
                f"query text {bad[0]} is a {type(texts[bad[0]]).__name__}, not a string"
            )
        enc = self.tokenizer(
            list(texts), truncation=True, max_length=self.max_length, padding=False
        )
        return {
            key: list(enc[key])
            for key in ("input_ids", "attention_mask", "token_type_ids")
            if key in enc
        }

    def predict_logits(self, texts: Sequence[str]) -> np.ndarray:
        """float32 ``[len(texts), num_classes]`` logits, in input order."""
        if len(texts) == 0:
            return np.zeros((0, self.num_classes), dtype=np.float32)
        enc = self.encode(texts)
        batches = length_buckets([len(ids) for ids in enc["input_ids"]], self.batch_size)
        pads = {"input_ids": int(self.tokenizer.pad_token_id or 0)}
        show = self.progress
        if show is None:
            show = sys.stderr.isatty() and len(batches) > PROGRESS_MIN_BATCHES
        from tqdm.auto import tqdm

        parts = []
        with torch.inference_mode():
            for idx in tqdm(batches, desc="query", unit="batch", disable=not show):
                arrays = pad_batch(enc, idx, pad_values=pads)
                feed = {k: torch.from_numpy(v).to(self.device) for k, v in arrays.items()}
                logits = self.model(**feed).logits
                parts.append(logits.float().cpu().numpy())
        return restore_order(parts, batches, len(texts))
