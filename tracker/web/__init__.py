"""The read-only web server of `apprank serve`: `app` (create_app), `api` (the JSON API),
`pictures` (charts), `pages` and templates/, static/ (the HTML pages), `login`, `security`,
`work` (the worker pool), `streams`, `settings`, `context`, `server` (uvicorn); docs/web.md.

Nothing is imported here: only the commands that serve load FastAPI.
"""
