"""Portal views, one module per page family; all of them act through ``acting_user``."""
