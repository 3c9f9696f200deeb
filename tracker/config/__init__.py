"""`config.toml`: pydantic schemas over TOML, one-line errors naming file, key and value.

Nothing is imported here: `reader` holds the sections read commands validate, `load` the
whole configuration the writers use, and each section's schema has its own module.
"""
