"""Built-in per-text features (SPEC section 3): loss, confidence, rank, entropy, mentr, margin,
scaled_logit and correct, all computed in log space from logits."""
