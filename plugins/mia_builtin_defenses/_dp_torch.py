"""Torch-side helpers for DP-SGD (imported only inside ``DPSGD.wrap``, as it imports torch)."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn


class ExplicitPositions(nn.Module):
    """Feeds a BERT model per-sample ``position_ids`` (``arange(t)`` for each row, what BERT uses
    by default).

    Left to itself, Hugging Face BERT broadcasts one ``[1, t]`` position row over the batch, so
    Opacus sees a batch of one for the position embedding and cannot compute per-sample
    gradients. The wrapped model is kept as ``_module`` (like Opacus' own wrapper), so code that
    unwraps ``_module`` until none is left saves the plain model.
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self._module = model

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None, **kwargs: Any
    ) -> Any:
        if kwargs.get("position_ids") is None:
            rows, width = input_ids.shape
            positions = torch.arange(width, device=input_ids.device)
            kwargs["position_ids"] = positions.unsqueeze(0).expand(rows, width)
        return self._module(input_ids=input_ids, attention_mask=attention_mask, **kwargs)


def needs_explicit_positions(model: nn.Module) -> bool:
    """True for BERT models with absolute position embeddings (the transformer and bert recipes)."""
    config = getattr(model, "config", None)
    return (
        getattr(config, "model_type", None) == "bert"
        and getattr(config, "position_embedding_type", "absolute") == "absolute"
    )
