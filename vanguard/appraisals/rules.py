"""What fires on ballot results (filled in below)."""
