"""Every table apprank stores, defined here and nowhere else.

- `charts`: apps, charts, rankings and their rank rows, snapshots, fetch attempts (SQLModel);
- `listings`: what each storefront showed for an app (name, developer, ...) over time (SQLModel);
- `daemon`: daemon heartbeats, cycle summaries and chart claims (SQLModel);
- `alerts`: fired alert events and their deliveries (SQLModel);
- `views`: SQLAlchemy Core views of the same tables, with the `UTCEpoch` column type, for read
  paths: importing SQLModel and the ORM costs every command start-up time, so readers never do
  (tests/store/test_tables.py keeps each view equal to its table; docs/performance.md).

Migrations and `store/migrate.py` import the SQLModel modules. Nothing is imported here, so a
reader importing `views` loads none of the others.
"""
