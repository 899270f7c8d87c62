"""The exports under /api/v1/."""
