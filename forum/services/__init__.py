"""Use cases. Views call these; transactions are committed here."""
