"""Storage: tables (`schema`, with Core views for readers in `tables`), engine set-up
(`engine`), the write path (`writer`) and the reads behind `top` and `status` (`reads`).

Nothing is imported here: callers import the submodule they use, so a reader never loads the
writer, SQLModel or the ORM (each costs every command start-up time; see docs/performance.md).
"""
