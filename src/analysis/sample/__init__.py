"""The bundled synthetic sample (示例数据): :mod:`~analysis.sample.synth` writes ``data/raw/<wave>/``."""
