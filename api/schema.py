"""The OpenAPI schema: every operation documents the error responses it can give."""

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="A clear message (Norwegian).")
    code = serializers.CharField(help_text="A machine-readable code, e.g. invalid, conflict.")
    fields = serializers.DictField(
        required=False, child=serializers.JSONField(), help_text="Problems per input field."
    )
    current_version = serializers.IntegerField(required=False)


ERRORS_ALWAYS = {
    "400": "Invalid input.",
    "401": "Not authenticated: no, unknown or revoked token.",
    "403": "Not allowed for this user or token.",
    "404": "Not found, or not visible to this user or token.",
    "429": "Too many requests from this client.",
}
ERRORS_WRITE = {
    "409": "Changed by someone else since it was read (send the current version).",
    "413": "The request is too large.",
    "428": "The version you read is missing (If-Match).",
}


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction: openapi.Direction = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        errors = dict(ERRORS_ALWAYS)
        if self.method in {"POST", "PUT", "PATCH", "DELETE"}:
            errors.update(ERRORS_WRITE)
        for code, description in errors.items():
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                response["description"] = description
                responses[code] = response
        return responses


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A token from `manage.py create_api_token` or /api/tokens/.",
        }
