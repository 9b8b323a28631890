"""``mia data inspect``: what a dataset holds and what validation dropped."""

from __future__ import annotations

from typing import Any

import click

from mia_platform.cli.common import echo_json, get_manager


@click.group("data")
def data() -> None:
    """Inspect datasets of users' texts (files, folders or registered names)."""


@data.command("inspect")
@click.argument("source", metavar="PATH|NAME")
@click.option("json_", "--json", is_flag=True, help="Output as JSON.")
@click.option("--text-field", help="Read the text from this field (default: text).")
@click.option("--label-field", help="Read the label from this field (default: label).")
@click.option("--user-field", help="Read the user from this field (default: user).")
@click.option(
    "--min-texts-per-user",
    type=click.IntRange(min=1),
    help="Drop users with fewer texts (default: 1).",
)
@click.option("--strict", is_flag=True, help="Fail on any record or user validation would drop.")
@click.pass_context
def inspect(
    ctx: click.Context,
    source: str,
    json_: bool,
    text_field: str | None,
    label_field: str | None,
    user_field: str | None,
    min_texts_per_user: int | None,
    strict: bool,
) -> None:
    """Print counts, texts per user, multi-class users, duplicates and drops of PATH or NAME.

    \b
    Examples:
      mia data inspect shakespeare
      mia data inspect reviews.csv --text-field body --label-field stars --json
    """
    from mia_platform.data.summary import summarize

    given = {
        "text_field": text_field,
        "label_field": label_field,
        "user_field": user_field,
        "min_texts_per_user": min_texts_per_user,
        "strict": strict or None,
    }
    options = {k: v for k, v in given.items() if v is not None}
    dataset = get_manager(ctx).open_dataset(source, **options)
    summary = summarize(dataset)
    if json_:
        echo_json(summary)
    else:
        click.echo(_as_text(summary))


def _as_text(s: dict[str, Any]) -> str:
    lines = [
        f"dataset: {s['name']}",
        f"texts: {s['texts']:,}",
        f"users: {s['users']:,} (with >=3 texts: {s['users_with_3plus_texts']:,}, holding "
        f"{s['texts_of_users_with_3plus']:,} texts; max texts/user {s['max_texts_per_user']})",
        f"classes: {s['classes']} -- "
        + ", ".join(f"{name} {n:,}" for name, n in s["label_counts"].items()),
        f"users whose texts carry more than one label: {s['users_with_several_labels']:,}",
        f"words per text: median {s['words_per_text']['median']:g}, "
        f"mean {s['words_per_text']['mean']:.1f}",
        f"duplicate texts (counted, kept): {s['duplicate_texts']:,}",
        "texts per user:",
        *(f"  {label:>6}  {n:,}" for label, n in s["texts_per_user"].items()),
        "dropped texts: " + _reasons(s["dropped_texts"]),
        "dropped users: " + _reasons(s["dropped_users"]),
    ]
    if s["metadata_fields"]:
        lines.insert(6, "extra fields: " + ", ".join(s["metadata_fields"]))
    return "\n".join(lines)


def _reasons(counts: dict[str, int]) -> str:
    return ", ".join(f"{reason} {n:,}" for reason, n in counts.items()) or "none"
