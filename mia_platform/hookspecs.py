"""The hook specifications: the single contract between mia-platform and its plugins.

Registration hooks return iterables of typed records from :mod:`mia_platform.specs`; the host
collects them per plugin, so every component knows who provided it and duplicate names are
reported with both plugins named. Claim hooks are ``firstresult``: the first plugin that
recognises an input answers for it.

Plugins implement hooks with :data:`mia_platform.hookimpl`; hook names carry the ``mia_`` prefix.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from mia_platform.specs import (
        AggregatorSpec,
        AttackSpec,
        BackendSpec,
        DatasetSpec,
        DefenseSpec,
        FeatureSpec,
        RecipeSpec,
        ReportSpec,
    )

#: The pluggy project name and entry-point group.
PROJECT = "mia_platform"

#: Version of the hook API. Minor bumps add hooks or optional arguments; major bumps break them.
HOOK_API_VERSION = "1.0"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


class MiaSpecs:
    """Every hook a mia-platform plugin may implement."""

    @hookspec
    def mia_target_backends(self) -> Iterable[BackendSpec]:
        """Register target backends: code that opens a trained model so it can be queried.

        :returns: backend records; ``factory(uri, **options)`` returns a
            :class:`~mia_platform.interfaces.Target`.

        **Example:**

        .. code-block:: python

            @hookimpl
            def mia_target_backends():
                return [BackendSpec(name="echo", factory=EchoTarget, summary="Fixed logits")]
        """

    @hookspec(firstresult=True)
    def mia_claim_target(self, uri: str) -> str | None:
        """Name the backend that opens ``uri``, or return None to pass.

        First result wins: the first plugin that recognises the path (a Hugging Face model
        directory, a ``.onnx`` file, ...) answers with the name of one of its backends.

        :param uri: a path or identifier given by the user.
        :returns: a registered backend name, or None.

        **Example:**

        .. code-block:: python

            @hookimpl
            def mia_claim_target(uri):
                return "onnx" if uri.endswith(".onnx") else None
        """

    @hookspec
    def mia_datasets(self) -> Iterable[DatasetSpec]:
        """Register datasets and dataset loaders.

        A named dataset (the embedded default) builds itself from ``factory(**options)``; a loader
        for a file format takes ``factory(path=..., text_field=..., label_field=...,
        user_field=..., ...)``. Both return a :class:`~mia_platform.data.Dataset`.

        **Example:**

        .. code-block:: python

            @hookimpl
            def mia_datasets():
                return [DatasetSpec(name="tiny", factory=make_tiny, summary="Three users")]
        """

    @hookspec(firstresult=True)
    def mia_claim_dataset(self, source: str) -> str | None:
        """Name the dataset loader that reads ``source`` (a file or folder), or return None.

        First result wins.

        :param source: a path given by the user.
        :returns: a registered dataset name whose factory accepts ``path=source``.

        **Example:**

        .. code-block:: python

            @hookimpl
            def mia_claim_dataset(source):
                return "jsonl" if source.endswith((".jsonl", ".jsonl.gz")) else None
        """

    @hookspec
    def mia_feature_extractors(self) -> Iterable[FeatureSpec]:
        """Register per-text features computed from a model's logits and the true labels.

        :returns: feature records; ``compute(logits, labels)`` returns float64 ``[n]``, finite for
            logits up to 1e4 in magnitude; ``higher_is_member`` gives the orientation.

        **Example:**

        .. code-block:: python

            @hookimpl
            def mia_feature_extractors():
                top = lambda z, y: z.max(axis=1).astype("float64")
                return [FeatureSpec(name="top_logit", compute=top, higher_is_member=True)]
        """

    @hookspec
    def mia_sample_attacks(self) -> Iterable[AttackSpec]:
        """Register sample-level attacks.

        :returns: attack records; ``factory(**params)`` returns a
            :class:`~mia_platform.interfaces.SampleAttack` (``fit(ctx)``, ``score(ctx)``).

        **Example:**

        .. code-block:: python

            @hookimpl
            def mia_sample_attacks():
                return [AttackSpec(name="neg_loss", factory=NegLossAttack, summary="-loss")]
        """

    @hookspec
    def mia_user_aggregators(self) -> Iterable[AggregatorSpec]:
        """Register user-level attacks that give one score per user.

        :returns: aggregator records; ``factory(**params)`` returns a
            :class:`~mia_platform.interfaces.UserAggregator`.

        **Example:**

        .. code-block:: python

            @hookimpl
            def mia_user_aggregators():
                return [AggregatorSpec(name="max_conf", factory=MaxConfidence)]
        """

    @hookspec
    def mia_defenses(self) -> Iterable[DefenseSpec]:
        """Register defenses of kind ``data``, ``training`` or ``output`` (SPEC section 7).

        :returns: defense records; ``factory(**params)`` returns a data, training or output
            defense object (see :mod:`mia_platform.interfaces`).

        **Example:**

        .. code-block:: python

            @hookimpl
            def mia_defenses():
                return [DefenseSpec(name="lowercase", defense_kind="data", factory=Lowercase)]
        """

    @hookspec
    def mia_model_recipes(self) -> Iterable[RecipeSpec]:
        """Register model recipes that train targets and shadows alike.

        :returns: recipe records; ``factory(**hyperparams)`` returns a
            :class:`~mia_platform.interfaces.Recipe`.

        **Example:**

        .. code-block:: python

            @hookimpl
            def mia_model_recipes():
                return [RecipeSpec(name="bow", factory=BagOfWordsRecipe, summary="Linear BoW")]
        """

    @hookspec
    def mia_report_writers(self) -> Iterable[ReportSpec]:
        """Register writers that turn a run's ``results.json`` content into a report file.

        :returns: report records; ``write(results, run_dir)`` writes atomically and returns the
            path written.

        **Example:**

        .. code-block:: python

            @hookimpl
            def mia_report_writers():
                return [ReportSpec(name="txt", write=write_txt, summary="Plain-text summary")]
        """
