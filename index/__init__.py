"""Indexing: documents -> cleaned, structure-aware chunks -> FAISS + BM25, persisted atomically."""
