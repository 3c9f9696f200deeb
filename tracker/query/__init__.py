"""Questions asked of the store: `selection` (which charts), `history`, `movers`, `compare`,
`stats`, `apps` (names and aliases), `series` and `output` (tables, JSON and CSV shapes).

Nothing is imported here: each command imports the module it asks.
"""
