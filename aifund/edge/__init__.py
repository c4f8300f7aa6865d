"""Project 6 of the guide: the edge pipeline (export, a numpy runtime, ONNX, INT8, latency, devices)."""
