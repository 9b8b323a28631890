"""Built-in defenses: text perturbation, DP-SGD, label smoothing and output hardening."""
