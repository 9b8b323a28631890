"""Built-in user-level aggregators (SPEC section 5): mean_threshold, learned, sample_to_user and
lira_user."""
