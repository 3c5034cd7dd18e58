"""Live updates: broadcast channels and the publisher (see the live-updates issue)."""
