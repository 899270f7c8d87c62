"""Domain errors and their one mapping to RFC 9457 problem details."""
