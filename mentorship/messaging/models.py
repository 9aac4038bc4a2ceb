"""Tables of the messaging area."""
