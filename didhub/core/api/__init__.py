"""The API's shared machinery: problems, pagination, idempotency, throttles, schema."""
