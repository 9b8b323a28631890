"""Built-in datasets: the embedded ``shakespeare`` default and loaders for JSONL, CSV/TSV and
Hugging Face ``save_to_disk`` folders."""
