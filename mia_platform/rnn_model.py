"""A GRU text classifier packaged as a standard Hugging Face model type (``mia_rnn``).

The paper compares Transformer and RNN targets. Making the RNN a ``PreTrainedModel`` with its own
config class means it saves as an ordinary model directory (config.json + model.safetensors) and
loads through ``AutoModelForSequenceClassification`` once :func:`register_auto_classes` has run:
no remote code and no pickle. The module imports torch and transformers, so import it lazily.
"""

from __future__ import annotations

import torch
from torch import nn
from transformers import (
    AutoConfig,
    AutoModelForSequenceClassification,
    PretrainedConfig,
    PreTrainedModel,
)
from transformers.modeling_outputs import SequenceClassifierOutput

MODEL_TYPE = "mia_rnn"


class MiaRnnConfig(PretrainedConfig):
    """Hyper-parameters of :class:`MiaRnnForSequenceClassification`."""

    model_type = MODEL_TYPE

    def __init__(
        self,
        vocab_size: int = 30522,
        embedding_size: int = 128,
        hidden_size: int = 128,
        num_layers: int = 1,
        dropout: float = 0.0,
        pad_token_id: int = 0,
        **kwargs,
    ) -> None:
        self.vocab_size = vocab_size
        self.embedding_size = embedding_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.dropout = dropout
        super().__init__(pad_token_id=pad_token_id, **kwargs)


class MiaRnnForSequenceClassification(PreTrainedModel):
    """Token embeddings -> GRU -> masked mean and max pooling -> linear classifier.

    The GRU runs left to right only, so with right padding a text's logits do not depend on how
    much padding its batch carries (length bucketing and one-at-a-time queries agree).
    """

    config_class = MiaRnnConfig
    base_model_prefix = "rnn"
    main_input_name = "input_ids"

    def __init__(self, config: MiaRnnConfig) -> None:
        super().__init__(config)
        self.embeddings = nn.Embedding(
            config.vocab_size, config.embedding_size, padding_idx=config.pad_token_id
        )
        self.gru = nn.GRU(
            config.embedding_size,
            config.hidden_size,
            num_layers=config.num_layers,
            batch_first=True,
            dropout=config.dropout if config.num_layers > 1 else 0.0,
        )
        self.dropout = nn.Dropout(config.dropout)
        self.classifier = nn.Linear(2 * config.hidden_size, config.num_labels)
        self.post_init()

    def _init_weights(self, module: nn.Module) -> None:
        if isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, std=0.1)
            with torch.no_grad():
                module.weight[self.config.pad_token_id].zero_()
        elif isinstance(module, nn.Linear):
            nn.init.xavier_uniform_(module.weight)
            nn.init.zeros_(module.bias)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        **_: object,
    ) -> SequenceClassifierOutput:
        """Classify ``input_ids`` [b, t]; padding positions (mask 0) are ignored by the pooling."""
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        states, _h = self.gru(self.embeddings(input_ids))
        mask = attention_mask.unsqueeze(-1).to(states.dtype)
        mean = (states * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        neg = torch.finfo(states.dtype).min
        top = states.masked_fill(mask == 0, neg).max(1).values
        logits = self.classifier(self.dropout(torch.cat([mean, top], dim=-1)))
        loss = None
        if labels is not None:
            loss = nn.functional.cross_entropy(logits, labels)
        return SequenceClassifierOutput(loss=loss, logits=logits)


def register_auto_classes() -> None:
    """Make ``AutoConfig``/``AutoModelForSequenceClassification`` know ``mia_rnn`` (idempotent)."""
    try:
        AutoConfig.register(MODEL_TYPE, MiaRnnConfig)
    except ValueError:  # already registered in this process
        pass
    try:
        AutoModelForSequenceClassification.register(MiaRnnConfig, MiaRnnForSequenceClassification)
    except ValueError:
        pass
