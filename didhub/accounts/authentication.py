"""Token authentication placeholder module; see issue 3."""
