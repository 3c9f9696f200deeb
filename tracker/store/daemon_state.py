"""Daemon bookkeeping tables (heartbeat, cycles). Filled in by the daemon work."""
