"""Built-in PyTorch/transformers target backend ``torch`` for Hugging Face model directories."""
