"""Built-in ONNX Runtime target backend ``onnx`` for exported ``.onnx`` classifiers."""
