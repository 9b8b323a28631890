"""Built-in model recipes ``bert``, ``transformer`` and ``rnn`` (PyTorch, imported lazily)."""
