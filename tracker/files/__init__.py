"""Files in and out: CSV/JSONL `export`, `importer` (its readers, row checks and store pass in
`import_records`, `import_rows`, `import_store`), and chart files drawn from the store (`charts`).
"""
