"""Training defenses: DP-SGD through Opacus, and label smoothing.

A recipe calls ``wrap(model, optimizer, loader, epochs=..., seed=...)`` right before its training
loop, trains with what comes back, passes ``label_smoothing`` (the largest over its defenses) to the
cross-entropy loss and records ``spent()`` afterwards. torch and opacus are imported inside
``wrap`` so that listing plugins stays cheap.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from mia_builtin_defenses._params import fail, real
from mia_platform.errors import ConfigError

#: Opacus accountants that can both calibrate noise to a target epsilon and report epsilon.
ACCOUNTANTS = ("prv", "rdp")

#: Target epsilon when neither ``epsilon`` nor ``noise_multiplier`` is given.
DEFAULT_EPSILON = 8.0


def _repoint_optimizer(optimizer: Any, old: Any, new: Any) -> Any:
    """Point ``optimizer`` at ``new``'s parameters in place of ``old``'s same-named ones."""
    names = {id(p): name for name, p in old.named_parameters()}
    params = dict(new.named_parameters())
    for group in optimizer.param_groups:
        missing = [names.get(id(p)) for p in group["params"] if names.get(id(p)) not in params]
        if missing:
            raise ConfigError(
                f"defense 'dp_sgd': after making the model DP-compatible, parameter "
                f"{missing[0]!r} has no counterpart; fix: use a recipe whose layers Opacus supports"
            )
        group["params"] = [params[names[id(p)]] for p in group["params"]]
    return optimizer


def make_dp_compatible(model: Any, optimizer: Any) -> tuple[Any, Any]:
    """Swap layers Opacus cannot compute per-sample gradients for (nn.GRU, nn.LSTM, nn.RNN) for
    its drop-in DP versions, whose ``state_dict`` keys match the originals, so the trained model
    saves and loads as the plain architecture. Returns the model and optimizer to use."""
    from opacus.validators import ModuleValidator

    if ModuleValidator.is_valid(model):
        return model, optimizer
    fixed = ModuleValidator.fix(model)
    problems = ModuleValidator.validate(fixed, strict=False)
    if problems:
        raise ConfigError(
            f"defense 'dp_sgd': Opacus cannot train this model: {problems[0]}; fix: use a recipe "
            "whose layers Opacus supports (transformer, rnn, bert)"
        )
    renamed = [
        f"{name}.{internal}"
        for name, module in fixed.named_modules()
        if hasattr(module, "old_to_new")
        for internal in module.old_to_new
    ]
    fixed.register_state_dict_post_hook(_drop_keys(renamed))
    return fixed, _repoint_optimizer(optimizer, model, fixed)


def _drop_keys(keys: list[str]) -> Any:
    """A state-dict post-hook that removes ``keys`` (relative to the hooked module).

    Opacus' DP RNNs register each weight under its ``nn.GRU`` name and an internal one
    (``l0.ih.weight``) and filter the internal names with a hook whose result torch discards for
    nested modules, so both reach the state dict and safetensors refuses the shared tensors. The
    hook on the root removes them, and the saved model loads into the plain architecture.
    """

    def hook(_module: Any, state_dict: dict, prefix: str, _meta: Any) -> None:
        for key in keys:
            state_dict.pop(prefix + key, None)

    return hook


#: Embedding tables with more rows than this are word embeddings (position and token-type tables
#: are far smaller).
WORD_EMBEDDING_ROWS = 1000


def freeze_word_embeddings(model: Any, optimizer: Any) -> int:
    """Stop training the word-embedding tables and drop them from ``optimizer``; return how many
    parameters were frozen.

    Per-sample gradients of a 30k-row embedding cost ``batch x vocab x hidden`` memory and time
    per step (about 14x a plain step for the default transformer), so DP training freezes them,
    as DP fine-tuning commonly does; fewer trained parameters also means less noise per step.
    """
    from torch import nn

    frozen = set()
    for module in model.modules():
        if isinstance(module, nn.Embedding) and module.num_embeddings > WORD_EMBEDDING_ROWS:
            module.weight.requires_grad_(False)
            frozen.add(id(module.weight))
    for group in optimizer.param_groups:
        group["params"] = [p for p in group["params"] if id(p) not in frozen]
    return sum(p.numel() for p in model.parameters() if id(p) in frozen)


class DPSGD:
    """Differentially private SGD (Abadi et al. 2016) with Poisson sampling, through Opacus.

    :param epsilon: target epsilon for the whole training (default 8); the noise multiplier is
        calibrated to reach it after ``epochs`` epochs (``make_private_with_epsilon``).
    :param delta: target delta; default ``min(1e-5, 1/n)`` for ``n`` training texts.
    :param max_grad_norm: per-sample gradient clipping bound.
    :param noise_multiplier: set it instead of ``epsilon`` to fix the noise; epsilon is then only
        reported.
    :param accountant: ``prv`` (Opacus' default, tight) or ``rdp``.
    :param freeze_embeddings: keep the word embeddings at their initial values (default True; see
        :func:`freeze_word_embeddings`); False trains them too, an order of magnitude slower.

    Each ``wrap`` starts a fresh accountant, so one DPSGD object can train the target and then each
    shadow; :meth:`spent` reports the most recent training.
    """

    label_smoothing = 0.0

    def __init__(
        self,
        *,
        epsilon: float | None = None,
        delta: float | None = None,
        max_grad_norm: float = 1.0,
        noise_multiplier: float | None = None,
        accountant: str = "prv",
        freeze_embeddings: bool = True,
    ) -> None:
        self.epsilon: float | None = None
        self.noise_multiplier: float | None = None
        if noise_multiplier is None:
            target = DEFAULT_EPSILON if epsilon is None else epsilon
            self.epsilon = real("dp_sgd", "epsilon", target, low=0.0, low_open=True)
        elif epsilon is not None:
            raise fail("dp_sgd", "epsilon", epsilon, "left unset when noise_multiplier is given")
        else:
            self.noise_multiplier = real(
                "dp_sgd", "noise_multiplier", noise_multiplier, low=0.0, low_open=True
            )
        self.delta = (
            None
            if delta is None
            else real("dp_sgd", "delta", delta, low=0.0, high=1.0, low_open=True)
        )
        self.max_grad_norm = real("dp_sgd", "max_grad_norm", max_grad_norm, low=0.0, low_open=True)
        if accountant not in ACCOUNTANTS:
            raise fail("dp_sgd", "accountant", accountant, f"one of {', '.join(ACCOUNTANTS)}")
        self.accountant = accountant
        if not isinstance(freeze_embeddings, bool):
            raise fail("dp_sgd", "freeze_embeddings", freeze_embeddings, "true or false")
        self.freeze_embeddings = freeze_embeddings
        self._engine: Any = None
        self._optimizer: Any = None
        self._delta_used = math.nan

    def __repr__(self) -> str:
        goal = (
            f"epsilon={self.epsilon}"
            if self.noise_multiplier is None
            else f"noise_multiplier={self.noise_multiplier}"
        )
        return f"DPSGD({goal}, delta={self.delta}, max_grad_norm={self.max_grad_norm})"

    def wrap(self, model: Any, optimizer: Any, loader: Any, *, epochs: int, seed: int) -> tuple:
        """Make ``model``/``optimizer``/``loader`` private and return them.

        The model comes back wrapped (Opacus' ``GradSampleModule``, around
        :class:`~mia_builtin_defenses._dp_torch.ExplicitPositions` for BERT): follow ``_module``
        until none is left to reach the model to save. Poisson sampling can yield zero-row batches.
        """
        import torch
        from opacus import PrivacyEngine

        n = len(loader.dataset)
        if n == 0:
            raise ConfigError("defense 'dp_sgd': the training set is empty")
        delta = self.delta if self.delta is not None else min(1e-5, 1.0 / n)
        from mia_builtin_defenses._dp_torch import ExplicitPositions, needs_explicit_positions

        model, optimizer = make_dp_compatible(model, optimizer)
        if self.freeze_embeddings:
            freeze_word_embeddings(model, optimizer)
        if needs_explicit_positions(model):
            model = ExplicitPositions(model)
        device = next(model.parameters()).device
        noise = torch.Generator(device=device).manual_seed(seed)
        with warnings.catch_warnings():
            # Opacus warns that secure_mode is off; it is off on purpose: seeded, reproducible runs.
            warnings.filterwarnings("ignore", message="Secure RNG turned off")
            engine = PrivacyEngine(accountant=self.accountant)
        common = {
            "module": model,
            "optimizer": optimizer,
            "data_loader": loader,
            "max_grad_norm": self.max_grad_norm,
            "noise_generator": noise,
            "poisson_sampling": True,
        }
        if self.noise_multiplier is None:
            model, optimizer, loader = engine.make_private_with_epsilon(
                **common, target_epsilon=self.epsilon, target_delta=delta, epochs=epochs
            )
        else:
            model, optimizer, loader = engine.make_private(
                **common, noise_multiplier=self.noise_multiplier
            )
        self._engine, self._optimizer, self._delta_used = engine, optimizer, delta
        return model, optimizer, loader

    def spent(self) -> dict[str, float]:
        """The privacy cost of the last training, from the accountant's record of the optimizer
        steps actually taken: ``epsilon``, ``delta``, ``noise_multiplier``, ``max_grad_norm``,
        ``sample_rate`` and ``steps``; ``{}`` before any ``wrap``."""
        if self._engine is None:
            return {}
        history = self._engine.accountant.history  # [(noise_multiplier, sample_rate, steps)]
        steps = sum(entry[2] for entry in history)
        epsilon = self._engine.get_epsilon(self._delta_used) if steps else 0.0
        return {
            "epsilon": float(epsilon),
            "delta": float(self._delta_used),
            "noise_multiplier": float(self._optimizer.noise_multiplier),
            "max_grad_norm": float(self.max_grad_norm),
            "sample_rate": float(history[-1][1]) if history else math.nan,
            "steps": float(steps),
        }


class LabelSmoothing:
    """Train on smoothed targets: ``(1 - epsilon)`` on the true class, ``epsilon`` spread evenly
    over all K classes (torch's ``cross_entropy(label_smoothing=epsilon)``). Softer targets lower
    the training-set confidence that loss and confidence attacks exploit.

    :param epsilon: the smoothing mass, in [0, 1).
    """

    def __init__(self, *, epsilon: float = 0.1) -> None:
        self.label_smoothing = real("label_smoothing", "epsilon", epsilon, low=0.0, high=1.0)

    def __repr__(self) -> str:
        return f"LabelSmoothing(epsilon={self.label_smoothing})"

    def wrap(self, model: Any, optimizer: Any, loader: Any, *, epochs: int, seed: int) -> tuple:
        """Nothing to change: the recipe reads :attr:`label_smoothing`."""
        return model, optimizer, loader

    def spent(self) -> dict[str, float]:
        """Label smoothing has no privacy accounting."""
        return {}
