"""Files in and out: CSV/JSONL `export`, `importer`, and chart files drawn from the store
(`charts`).
"""
