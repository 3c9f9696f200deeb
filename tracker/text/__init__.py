"""Text rules every layer applies: what a stored value may be (`values`), secrets masked in
anything shown (`redact`), terminal-safe printing (`terminal`), spreadsheet-safe cells (`cells`).
"""
