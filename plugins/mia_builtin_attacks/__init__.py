"""Built-in sample-level attacks (SPEC section 4): threshold, population, learned, reference,
lira_offline and rmia."""
