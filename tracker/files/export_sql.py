"""The statements `apprank export` reads the history with (tracker/files/export.py runs them):
the charts with data, a window's snapshots, their entries, the next snapshot after a gap, and
the row count of a range (for progress)."""

from __future__ import annotations

CHARTS_SQL = """
SELECT c.id, c.source, c.country, c.kind, c.category, c.device FROM chart c
WHERE EXISTS (SELECT 1 FROM snapshot s WHERE s.chart_id = c.id)
"""

# A page: its snapshots in export order (a small sort), then their entries in primary-key order
# (no sort), merged in Python; sorting the joined rows instead would double SQLite's work.
SNAPSHOTS_SQL = """
SELECT s.captured_at, c.source, c.country, c.kind, c.category, c.device,
       s.ranking_id, s.depth_returned, s.simulated, s.id
FROM snapshot s
JOIN chart c ON c.id = s.chart_id
WHERE s.chart_id IN :charts AND s.captured_at >= :lo AND s.captured_at < :hi
ORDER BY s.captured_at, c.source, c.country, c.kind, c.category, c.device, s.id
"""

ENTRIES_SQL = """
SELECT e.ranking_id, e.rank, a.store_id, a.name, a.developer, e.app_id
FROM ranking_entry e
JOIN app a ON a.id = e.app_id
WHERE e.ranking_id IN :rankings {apps}
ORDER BY e.ranking_id, e.rank
"""

NEXT_SQL = """
SELECT MIN((SELECT s.captured_at FROM snapshot s WHERE s.chart_id = c.id AND s.captured_at >= :t
            ORDER BY s.captured_at LIMIT 1))
FROM chart c WHERE c.id IN :charts
"""

SIZE_SQL = """
SELECT COALESCE(SUM(r.size), 0) FROM snapshot s JOIN ranking r ON r.id = s.ranking_id
WHERE s.chart_id IN :charts AND s.captured_at >= :lo AND s.captured_at <= :hi
"""
