"""Benchmark of the question-answering engine on gold questions: ``python -m eval --help``."""
