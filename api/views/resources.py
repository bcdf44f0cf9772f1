"""The REST API (``/api/v1/``): thin views over the selectors, services and access gate.

Reads are filtered to what the caller may see (``api.scope``); an object outside that
is 404. Writes call the same services as the forms, with the version the client read
(``If-Match`` or ``version``) for conflict detection.
"""

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, parsers, renderers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from goals.models import Goal, Strategy, SubMeasure
from hr.models import ImportJob
from hr.services import ImportSource, import_job_submit
from measures import health_data
from measures.exports import RECORD_COLUMNS, csv_lines, export_record, export_record_from_row
from measures.models import HealthDataAccess, Indicator, IndicatorValue, Target
from measures.selectors import indicator_value_list
from measures.status import TargetResolver
from org import access
from plans import services as plans
from plans.models import Action, ActionPlan, TertialReport, TertialRound

from .. import filters, scope, serializers
from ..exceptions import IdempotencyKeyReused, PayloadTooLarge, PreconditionRequired
from ..pagination import ValueCursorPagination

# --- Shared pieces ------------------------------------------------------------------------


class CSVRenderer(renderers.BaseRenderer):
    """``?format=csv`` of indicator values: the view streams the export itself."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context=None):
        return data if isinstance(data, bytes | str) else b""


class ApiViewSet(viewsets.GenericViewSet):
    """Request size limits, and errors always as JSON."""

    max_body_bytes: int | None = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        limit = self.max_body_bytes or settings.API_MAX_BODY_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            raise PayloadTooLarge(
                _("The request is larger than %(mb).1f MB.") % {"mb": limit / 1024 / 1024}
            )
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any):
        if getattr(response, "exception", False) and isinstance(
            getattr(request, "accepted_renderer", None), CSVRenderer
        ):
            request.accepted_renderer = renderers.JSONRenderer()
            request.accepted_media_type = "application/json"
        return super().finalize_response(request, response, *args, **kwargs)


class CanViewIndicators(BasePermission):
    message = gettext_lazy("Only HR and leaders may read indicator values and targets.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return scope.can_view_indicators(request)


class CanReadPlans(BasePermission):
    message = gettext_lazy("You have no units whose plans and reports you may read.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return access.can_read_plans_any(request.user)


class IsHR(BasePermission):
    """HR, for the whole organisation: a token limited to units is refused."""

    message = gettext_lazy(
        "Only HR may do this, with a token that is not limited to units (imports concern "
        "the whole organisation)."
    )

    def has_permission(self, request: Request, view: Any) -> bool:
        return scope.is_hr(request) and not scope.is_unit_limited(request)


_VERSION = re.compile(r'^\s*(?:W/)?"?(\d{1,9})"?\s*$')


def expected_version(request: Request, data: Any) -> int:
    """The version the client read: the If-Match header, else a ``version`` field."""
    header = request.headers.get("If-Match")
    if header is not None:
        match = _VERSION.match(header)
        if not match:
            raise exceptions.ValidationError(
                {"If-Match": [_('Give the version you read, e.g. If-Match: "3".')]}
            )
        return int(match[1])
    version = data.get("version") if isinstance(data, dict) else None
    if version is None:
        raise PreconditionRequired
    return version


def with_etag(response: Response, version: int) -> Response:
    response["ETag"] = f'"{version}"'
    return response


def ensure_write(request: Request) -> None:
    if not scope.may_write(request):
        raise exceptions.PermissionDenied(_("This token may only read."))


def ensure_can_edit(request: Request, unit: Any) -> None:
    ensure_write(request)
    if not scope.can_edit_plans(request, unit):
        raise exceptions.PermissionDenied(
            _("You may not change the plans of %(unit)s.") % {"unit": unit.name}
        )


def ensure_speaks(request: Request, unit: Any) -> None:
    """403 unless the caller (with a writing token) is an employee representative of ``unit``."""
    ensure_write(request)
    if not (
        scope.unit_visible(request, unit) and access.can_speak_as_representative(request.user, unit)
    ):
        raise exceptions.PermissionDenied(
            _("Only the employee representatives of %(unit)s may do this.") % {"unit": unit.name}
        )


def remark_create(request: Request, *, unit: Any, year: int, tertial: int | None) -> Response:
    """A representative's remark on the plan or report of ``unit`` (the API's one way)."""
    ensure_speaks(request, unit)
    serializer = serializers.RemarkSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    try:
        remark = plans.representative_remark_add(
            unit=unit, year=year, tertial=tertial, by=request.user, **serializer.validated_data
        )
    except plans.RoundClosedError:
        raise exceptions.ValidationError(
            {
                "tertial": [
                    _("The round for this tertial is closed: remarks can no longer be added.")
                ]
            }
        ) from None
    return Response(serializers.RemarkSerializer(remark).data, status=status.HTTP_201_CREATED)


IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=(
        "Optional: a key of your own (1-100 of A-Z a-z 0-9 . _ : -), new for each "
        "action. A request repeated with the same key and body within 24 hours creates "
        "nothing more and answers with the action created first (header "
        "Idempotent-Replayed: true); the same key with another body is refused (422)."
    ),
)


def idempotency_key(request: Request) -> str:
    """The request's ``Idempotency-Key`` (empty when none is sent); 400 when malformed."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if key and not plans.SUBMISSION_KEY_PATTERN.match(key):
        raise exceptions.ValidationError(
            {"Idempotency-Key": [_("Use 1 to 100 of the characters A-Z a-z 0-9 . _ : -.")]}
        )
    return key


def submit_once(
    request: Request, *, key: str, scope: str, content: Any, perform: Any
) -> plans.Submitted:
    """``plans.submit_once`` for an API request: a key used for another body is 422."""
    try:
        return plans.submit_once(
            by=request.user, key=key, scope=scope, content=content, perform=perform
        )
    except plans.SubmissionKeyReusedError:
        raise IdempotencyKeyReused from None


VERSION_HEADER = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description='The version read (its ETag), e.g. "3". Or send «version» in the body.',
)


@csrf_exempt
def not_found(request: Any, *args: Any, **kwargs: Any) -> JsonResponse:
    """An unknown API path (or an id that is not a number)."""
    return JsonResponse({"detail": _("Not found."), "code": "not_found"}, status=404)


# --- Strategy, goals, units, indicators --------------------------------------------------


class StrategyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Strategies with their goals (read)."""

    queryset = Strategy.objects.prefetch_related("goals").order_by("-is_active", "name", "pk")
    serializer_class = serializers.StrategySerializer
    filterset_class = filters.StrategyFilter


class GoalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Goals with sub-measures and the goal lists (what leaders shall do, etc.)."""

    queryset = (
        Goal.objects.select_related("strategy")
        .prefetch_related("sub_measures", "items")
        .order_by("strategy_id", "order", "pk")
    )
    serializer_class = serializers.GoalSerializer
    filterset_class = filters.GoalFilter


class SubMeasureViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    queryset = SubMeasure.objects.order_by("goal_id", "order", "pk")
    serializer_class = serializers.SubMeasureSerializer
    filterset_class = filters.SubMeasureFilter


class UnitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """The org tree; ``?parent=`` for children, ``?subtree=`` for a unit and all below."""

    serializer_class = serializers.UnitSerializer
    filterset_class = filters.UnitFilter
    lookup_field = "code"
    lookup_value_regex = r"[^/]+"

    def get_queryset(self) -> QuerySet:
        return scope.visible_units(self.request).select_related("parent").order_by("code")


class IndicatorViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Indicator definitions, computed and reported, with their goals."""

    queryset = Indicator.objects.prefetch_related("goals", "sub_measures").order_by("order", "slug")
    serializer_class = serializers.IndicatorSerializer
    filterset_class = filters.IndicatorFilter
    lookup_field = "slug"
    lookup_value_regex = r"[^/]+"


class TargetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Targets per indicator and unit (a unit inherits its nearest ancestor's).

    A caller sees the targets that apply to the units whose values it may read: those
    of the units and of the units above them.
    """

    serializer_class = serializers.TargetSerializer
    filterset_class = filters.TargetFilter
    permission_classes = [CanViewIndicators]

    def get_queryset(self) -> QuerySet[Target]:
        targets = Target.objects.select_related("indicator", "unit").order_by(
            "indicator__slug", "unit__code", "pk"
        )
        if scope.is_hr(self.request) and not scope.is_unit_limited(self.request):
            return targets
        return targets.filter(unit__in=scope.target_units(self.request))


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "format",
                OpenApiTypes.STR,
                enum=["json", "csv"],
                description="csv: the whole filtered set as the export CSV, unpaginated.",
            )
        ],
        responses={
            (200, "application/json"): serializers.IndicatorValueSerializer(many=True),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="Export CSV."),
        },
    ),
    retrieve=extend_schema(responses=serializers.IndicatorValueSerializer),
)
class IndicatorValueViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Stored indicator values in the export format, with target and status.

    JSON is paginated with a cursor (by id); ``?format=csv`` streams every matching
    value in the export's order, exactly as ``manage.py export_indicators``.
    """

    serializer_class = serializers.IndicatorValueSerializer
    filterset_class = filters.IndicatorValueFilter
    pagination_class = ValueCursorPagination
    permission_classes = [CanViewIndicators]
    renderer_classes = [renderers.JSONRenderer, CSVRenderer]

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any):
        """Indicator values are health data: logged, and never cached."""
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code == 200:
            token = scope.token_of(request)
            health_data.record(
                request,
                HealthDataAccess.Route.API,
                health_data.scope_of(request, kwargs),
                token=token.name if token else "",
            )
        return health_data.no_store(response)

    def get_queryset(self) -> QuerySet[IndicatorValue]:
        values = indicator_value_list()
        if not scope.is_hr(self.request) or scope.is_unit_limited(self.request):
            values = values.filter(unit__in=scope.indicator_units(self.request))
        return values

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        values = self.filter_queryset(self.get_queryset())
        if isinstance(request.accepted_renderer, CSVRenderer):
            response = StreamingHttpResponse(
                csv_lines(values.iterator(chunk_size=5000)), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = 'attachment; filename="indicator-values.csv"'
            return response
        page = self.paginate_queryset(values.values("id", *RECORD_COLUMNS))
        resolver = TargetResolver(unit_ids={row["unit_id"] for row in page})
        return self.get_paginated_response([export_record_from_row(row, resolver) for row in page])

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        value = self.get_object()
        if isinstance(request.accepted_renderer, CSVRenderer):
            return HttpResponse("".join(csv_lines([value])), content_type="text/csv; charset=utf-8")
        return Response(export_record(value, TargetResolver(unit_ids=[value.unit_id])))


# --- Plans, actions, tertial reports -------------------------------------------------------


class PlanViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ApiViewSet
):
    """Action plans (handlingsplaner) with their actions. POST creates a unit's plan of a
    year under the active strategy (or returns the existing one)."""

    serializer_class = serializers.PlanSerializer
    filterset_class = filters.PlanFilter
    permission_classes = [CanReadPlans]

    def get_queryset(self) -> QuerySet[ActionPlan]:
        return (
            ActionPlan.objects.filter(unit__in=scope.plan_units(self.request))
            .select_related("unit", "strategy")
            .prefetch_related(
                "actions__indicators",
                "actions__confirmations__user",
                "unit__representative_remarks__author",
            )
            .order_by("-year", "unit__code", "pk")
        )

    @extend_schema(responses={201: serializers.PlanSerializer, 200: serializers.PlanSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        unit, year = serializer.validated_data["unit"], serializer.validated_data["year"]
        ensure_can_edit(request, unit)
        plan, created = plans.plan_ensure(unit=unit, year=year, by=request.user)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return with_etag(Response(self.get_serializer(plan).data, status=code), plan.version)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        plan = self.get_object()
        return with_etag(Response(self.get_serializer(plan).data), plan.version)

    @extend_schema(
        request=serializers.RemarkSerializer, responses={201: serializers.RemarkSerializer}
    )
    @action(detail=True, methods=["post"])
    def remarks(self, request: Request, pk: str | None = None) -> Response:
        """An employee representative of the unit adds a remark on the plan."""
        plan = self.get_object()
        return remark_create(request, unit=plan.unit, year=plan.year, tertial=None)


@extend_schema_view(
    update=extend_schema(request=serializers.ActionUpdateSerializer, parameters=[VERSION_HEADER]),
    partial_update=extend_schema(
        request=serializers.ActionUpdateSerializer, parameters=[VERSION_HEADER]
    ),
    destroy=extend_schema(request=serializers.VersionSerializer, parameters=[VERSION_HEADER]),
)
class ActionViewSet(viewsets.ModelViewSet, ApiViewSet):
    """Actions (tiltak) of the plans. Changes need the version read (If-Match)."""

    serializer_class = serializers.ActionSerializer
    filterset_class = filters.ActionFilter
    permission_classes = [CanReadPlans]

    def get_queryset(self) -> QuerySet[Action]:
        return (
            Action.objects.filter(plan__unit__in=scope.plan_units(self.request))
            .select_related("plan__unit")
            .prefetch_related("indicators", "confirmations__user")
            .order_by("plan_id", "goal__order", "pk")
        )

    def get_serializer_class(self) -> type:
        if self.action in {"update", "partial_update"}:
            return serializers.ActionUpdateSerializer
        return serializers.ActionSerializer

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        item = self.get_object()
        return with_etag(Response(self.get_serializer(item).data), item.version)

    @extend_schema(parameters=[IDEMPOTENCY_HEADER])
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Create an action. With an ``Idempotency-Key``, a repeat creates nothing more."""
        key = idempotency_key(request)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        plan = fields.pop("plan")
        if not access.can_read_plans(request.user, plan.unit) or not scope.unit_visible(
            request, plan.unit
        ):
            raise exceptions.ValidationError({"plan": [_("No such plan.")]})
        ensure_can_edit(request, plan.unit)

        def perform() -> tuple[Action, int, str]:
            item = plans.action_create(
                plan=plan,
                by=request.user,
                goal=fields["goal"],
                title=fields["title"],
                **{k: v for k, v in fields.items() if k not in {"goal", "title"}},
            )
            return item, item.pk, reverse("api:action-detail", kwargs={"pk": item.pk})

        submitted = submit_once(
            request,
            key=key,
            scope="api:action-create",
            content={"plan": plan, **fields},
            perform=perform,
        )
        item = self.get_queryset().filter(pk=submitted.object_id).first()
        if item is None:
            raise exceptions.NotFound(
                _("The action created with this Idempotency-Key has been deleted since.")
            )
        response = Response(self.get_serializer(item).data, status=status.HTTP_201_CREATED)
        response["Location"] = submitted.location
        if submitted.replayed:
            response["Idempotent-Replayed"] = "true"
        return with_etag(response, item.version)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        item = self.get_object()
        ensure_can_edit(request, item.plan.unit)
        serializer = self.get_serializer(item, data=request.data, partial=kwargs.get("partial"))
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        version = expected_version(request, fields)
        fields.pop("version", None)
        item = plans.action_update(action=item, by=request.user, version=version, **fields)
        return with_etag(Response(serializers.ActionSerializer(item).data), item.version)

    @extend_schema(
        methods=["POST"],
        request=serializers.ConfirmSerializer,
        responses={
            201: serializers.ConfirmationSerializer,
            200: serializers.ConfirmationSerializer,
        },
    )
    @extend_schema(methods=["DELETE"], request=None, responses={204: None})
    @action(detail=True, methods=["post", "delete"])
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        """An employee representative of the unit confirms (POST) they took part in the
        action, or withdraws their own confirmation (DELETE). Confirming again: 200."""
        item = self.get_object()
        ensure_speaks(request, item.plan.unit)
        if request.method == "DELETE":
            plans.participation_withdraw(action=item, by=request.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        serializer = serializers.ConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        confirmation, created = plans.participation_confirm(
            action=item, by=request.user, capacity=serializer.validated_data["capacity"]
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(serializers.ConfirmationSerializer(confirmation).data, status=code)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        item = self.get_object()
        ensure_can_edit(request, item.plan.unit)
        serializer = serializers.VersionSerializer(data=request.data or {})
        serializer.is_valid(raise_exception=True)
        version = expected_version(request, serializer.validated_data)
        plans.action_delete(action=item, by=request.user, version=version)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    partial_update=extend_schema(
        request=serializers.TertialReportUpdateSerializer, parameters=[VERSION_HEADER]
    ),
    submit=extend_schema(request=serializers.VersionSerializer, parameters=[VERSION_HEADER]),
    reopen=extend_schema(request=None),
    approve=extend_schema(request=serializers.ReviewSerializer, parameters=[VERSION_HEADER]),
    return_=extend_schema(request=serializers.ReviewSerializer, parameters=[VERSION_HEADER]),
)
class TertialReportViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ApiViewSet
):
    """Tertial reports: comments per indicator, prioritised actions, submission.

    POST creates the unit's draft of a tertial (or returns the existing report); PATCH
    saves a draft; ``submit`` makes it read-only; HR may ``reopen`` it.
    """

    serializer_class = serializers.TertialReportSerializer
    filterset_class = filters.TertialReportFilter
    permission_classes = [CanReadPlans]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[TertialReport]:
        return (
            TertialReport.objects.filter(unit__in=scope.plan_units(self.request))
            .select_related("unit")
            .prefetch_related(
                "comments__indicator",
                "comments__actions",
                "prioritised_actions",
                "unit__representative_remarks__author",
            )
            .order_by("-year", "-tertial", "unit__code", "pk")
        )

    def _respond(self, report: TertialReport, code: int = status.HTTP_200_OK) -> Response:
        report = self.get_queryset().get(pk=report.pk)
        return with_etag(Response(self.get_serializer(report).data, status=code), report.version)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._respond(self.get_object())

    @extend_schema(
        responses={
            201: serializers.TertialReportSerializer,
            200: serializers.TertialReportSerializer,
        }
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        ensure_can_edit(request, data["unit"])
        report, created = plans.report_ensure(
            unit=data["unit"], year=data["year"], tertial=data["tertial"], by=request.user
        )
        return self._respond(report, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        report = self.get_object()
        ensure_can_edit(request, report.unit)
        serializer = serializers.TertialReportUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        version = expected_version(request, data)
        comments = {c.indicator_id: c.text for c in report.comments.all()}
        indicator_actions: dict[int, list[int]] = {}
        reasons: dict[int, str] = {}
        for comment in data.get("comments", []):
            pk = comment["indicator"].pk
            if "text" in comment:
                comments[pk] = comment["text"]
            if "actions" in comment:
                indicator_actions[pk] = comment["actions"]
            if "no_action_reason" in comment:
                reasons[pk] = comment["no_action_reason"]
        prioritised = data.get("prioritised_actions")
        if prioritised is None:
            prioritised = [a.pk for a in report.prioritised_actions.all()]
        try:
            report = plans.report_save(
                report=report,
                by=request.user,
                version=version,
                summary=data.get("summary", report.summary),
                comments=comments,
                prioritised_action_ids=prioritised,
                indicator_action_ids=indicator_actions,
                no_action_reasons=reasons,
            )
        except DjangoValidationError as error:
            # The service names a comment's fields as the web form does (comment_<id>,
            # actions_<id>, no_action_reason_<id>): here they are the "comments".
            fields: dict[str, list[str]] = {}
            per_indicator = ("comment_", "actions_", "no_action_reason_")
            for name, problems in error.message_dict.items():
                fields.setdefault(
                    "comments" if name.startswith(per_indicator) else name, []
                ).extend(problems)
            raise exceptions.ValidationError(fields) from error
        return self._respond(report)

    @extend_schema(
        request=serializers.RemarkSerializer, responses={201: serializers.RemarkSerializer}
    )
    @action(detail=True, methods=["post"])
    def remarks(self, request: Request, pk: str | None = None) -> Response:
        """An employee representative of the unit adds a remark on the report (any state)."""
        report = self.get_object()
        return remark_create(request, unit=report.unit, year=report.year, tertial=report.tertial)

    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Submit the report: read-only from now on, counted as delivered.

        400 when an indicator that missed its target is not explained, naming the
        fields ``comment_<indicator id>`` and ``actions_<indicator id>`` (an action of
        the plan, or a ``no_action_reason``). 409 before the tertial's round opens (its
        figures do not exist yet) and after it closed.
        """
        report = self.get_object()
        ensure_can_edit(request, report.unit)
        serializer = serializers.VersionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = expected_version(request, serializer.validated_data)
        report = plans.report_submit(report=report, by=request.user, version=version)
        return self._respond(report)

    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        """HR: a submitted report back to draft."""
        report = self.get_object()
        ensure_write(request)
        if not scope.is_hr(request):
            raise exceptions.PermissionDenied(_("Only HR may reopen a report."))
        return self._respond(plans.report_reopen(report=report, by=request.user))

    def _review(self, request: Request, *, returning: bool) -> Response:
        report = self.get_object()
        ensure_write(request)
        if not (
            scope.unit_visible(request, report.unit)
            and access.can_review(request.user, report.unit)
        ):
            raise exceptions.PermissionDenied(
                _("Only the leaders above %(unit)s and HR may review its reports.")
                % {"unit": report.unit.name}
            )
        serializer = serializers.ReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = expected_version(request, serializer.validated_data)
        comment = serializer.validated_data.get("comment", "")
        change = plans.report_return if returning else plans.report_approve
        report = change(report=report, by=request.user, version=version, comment=comment)
        return self._respond(report)

    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """The leader above (or HR) approves a submitted report (optional comment)."""
        return self._review(request, returning=False)

    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request: Request, pk: str | None = None) -> Response:
        """The leader above (or HR) sends a submitted report back: a comment is required."""
        return self._review(request, returning=True)


# --- Tertial rounds -----------------------------------------------------------------------


class TertialRoundViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """The tertial rounds: when each opened, its deadline, when it closed.

    Any authenticated caller may read them; HR also gets each round's progress.
    """

    serializer_class = serializers.TertialRoundSerializer
    queryset = TertialRound.objects.order_by("-year", "-tertial")

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["with_progress"] = scope.is_hr(self.request) and not scope.is_unit_limited(
            self.request
        )
        return context


# --- HR imports -----------------------------------------------------------------------


@extend_schema_view(
    create=extend_schema(
        request={"multipart/form-data": serializers.ImportUploadSerializer},
        responses={202: serializers.ImportJobSerializer},
    )
)
class ImportViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ApiViewSet
):
    """HR imports. POST a batch (the CSV files, or one XLSX workbook) with a write token:
    it is queued and answered 202 with the job's URL; GET the job for its status, counts
    and every problem found (``file``, ``line``, ``column``, ``reason``)."""

    queryset = ImportJob.objects.order_by("-created_at", "-pk")
    serializer_class = serializers.ImportJobSerializer
    filterset_class = filters.ImportJobFilter
    permission_classes = [IsHR]
    parser_classes = [parsers.MultiPartParser, parsers.FormParser]

    @property
    def max_body_bytes(self) -> int:  # type: ignore[override]
        return settings.HR_IMPORT_MAX_UPLOAD_MB * 1024 * 1024

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ensure_write(request)
        upload = serializers.ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        job = import_job_submit(
            sources=[
                ImportSource(name=file.name, content=file.read())
                for file in upload.validated_data["files"]
            ],
            user=request.user,
            skip_invalid=upload.validated_data["skip_invalid"],
        )
        job.refresh_from_db()
        body = self.get_serializer(job).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})
