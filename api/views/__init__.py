"""The API's views: ``resources`` (the REST API under /api/v1/) and ``tokens`` (HR's page
for API tokens)."""
