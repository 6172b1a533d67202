"""API endpoints, one class per operation, grouped by domain noun."""
