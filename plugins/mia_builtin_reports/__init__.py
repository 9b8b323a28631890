"""Built-in report writers: Markdown and self-contained HTML with log-log ROC curves."""
