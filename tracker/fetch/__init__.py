"""Fetching charts: `http` (the only module that talks HTTP), `httpbody` (bounded decoding),
`sources/` (one module per feed format) and `cycle` (one fetch of many charts, handed to a writer).

Nothing is imported here, so a command that reads the store never loads the HTTP stack.
"""
