"""Tables of the people area (invitations)."""
