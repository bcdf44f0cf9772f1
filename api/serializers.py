"""Representations of the API. Units are named by code, indicators and strategies by slug.

Writes go through the same services as the forms (``plans.services``); these
serializers only check the shape of the input.
"""

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from goals.models import Goal, GoalItem, Strategy, SubMeasure
from hr.models import ImportJob
from measures.models import Granularity, Indicator, Target
from measures.selectors import EXPORT_FIELDS
from measures.status import Status
from org.models import OrgUnit
from plans.models import (
    Action,
    ActionPlan,
    Capacity,
    ParticipationConfirmation,
    RepresentativeRemark,
    TertialReport,
    TertialRound,
)
from plans.selectors import round_progress
from plans.services import (
    ACTION_DESCRIPTION_MAX,
    REMARK_MAX,
    REPORT_COMMENT_MAX,
    REPORT_SUMMARY_MAX,
)

# The largest id a database integer key holds: a larger one is a 400, not a 500.
MAX_ID = 2**31 - 1


class StrategySerializer(serializers.ModelSerializer):
    goals = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Strategy
        fields = [
            "id",
            "slug",
            "name",
            "owner",
            "goal_label",
            "description",
            "vision",
            "valid_from",
            "valid_to",
            "is_active",
            "source",
            "goals",
        ]


class SubMeasureSerializer(serializers.ModelSerializer):
    class Meta:
        model = SubMeasure
        fields = ["id", "goal", "order", "title"]


class GoalItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = GoalItem
        fields = ["kind", "order", "text"]


class GoalSerializer(serializers.ModelSerializer):
    strategy = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    sub_measures = SubMeasureSerializer(many=True, read_only=True)
    items = GoalItemSerializer(many=True, read_only=True)

    class Meta:
        model = Goal
        fields = [
            "id",
            "strategy",
            "number",
            "title",
            "description",
            "order",
            "sub_measures",
            "items",
        ]


class UnitSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = OrgUnit
        fields = ["code", "name", "parent", "level", "shift_based"]


class IndicatorSerializer(serializers.ModelSerializer):
    goals = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    sub_measures = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Indicator
        fields = [
            "slug",
            "name",
            "description",
            "unit_of_measure",
            "direction",
            "kind",
            "suppressible",
            "scale_min",
            "scale_max",
            "goals",
            "sub_measures",
        ]


class TargetSerializer(serializers.ModelSerializer):
    indicator = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Target
        fields = [
            "id",
            "indicator",
            "unit",
            "comparator",
            "value",
            "margin",
            "valid_from",
            "valid_to",
        ]


class IndicatorValueSerializer(serializers.Serializer):
    """A stored value in the export format of spec/indicators.md, with target and status.

    Documentation only: the view writes these records directly (``export_record``).
    """

    indicator = serializers.CharField()
    unit = serializers.CharField()
    period = serializers.CharField(help_text="2024-03, 2024-T2 or 2024")
    granularity = serializers.ChoiceField(choices=Granularity.choices)
    value = serializers.FloatField(allow_null=True)
    numerator = serializers.FloatField(allow_null=True)
    denominator = serializers.FloatField(allow_null=True)
    n_persons = serializers.IntegerField(allow_null=True)
    suppressed = serializers.BooleanField()
    target = serializers.FloatField(allow_null=True)
    status = serializers.ChoiceField(choices=Status.choices)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        assert tuple(fields) == EXPORT_FIELDS  # noqa: S101 (kept in step with the export)
        return fields


# --- Plans and reports ------------------------------------------------------------------


class ConfirmationSerializer(serializers.ModelSerializer):
    """An employee representative's own confirmation that they took part in an action."""

    user = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = ParticipationConfirmation
        fields = ["user", "capacity", "confirmed_at"]
        read_only_fields = fields


class ConfirmSerializer(serializers.Serializer):
    capacity = serializers.ChoiceField(choices=Capacity.choices, default=Capacity.UNION)


class RemarkSerializer(serializers.ModelSerializer):
    """An employee representative's remark on a plan (``tertial`` null) or a tertial report."""

    author = serializers.CharField(source="author.username", read_only=True)
    capacity = serializers.ChoiceField(choices=Capacity.choices, default=Capacity.UNION)
    text = serializers.CharField(max_length=REMARK_MAX)

    class Meta:
        model = RepresentativeRemark
        fields = ["id", "author", "capacity", "text", "year", "tertial", "created_at"]
        read_only_fields = ["id", "author", "year", "tertial", "created_at"]


def _remarks(unit: OrgUnit, year: int, tertial: int | None) -> list[dict[str, Any]]:
    """The unit's remarks of the period, from ``unit.representative_remarks`` (prefetched)."""
    return [
        RemarkSerializer(r).data
        for r in unit.representative_remarks.all()
        if r.year == year and r.tertial == tertial
    ]


class ActionSerializer(serializers.ModelSerializer):
    plan = serializers.PrimaryKeyRelatedField(queryset=ActionPlan.objects.all())
    goal = serializers.PrimaryKeyRelatedField(queryset=Goal.objects.all())
    sub_measure = serializers.PrimaryKeyRelatedField(
        queryset=SubMeasure.objects.all(), allow_null=True, required=False
    )
    indicators = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Indicator.objects.all(),
        many=True,
        required=False,
        help_text="The indicators (by slug) the action should move; each must follow a goal "
        "of the plan's strategy. Left out of an update: unchanged.",
    )
    baseline_period = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=10,
        help_text="The last period measured before the action began: 2025-12, 2025-T3 or "
        "2025; empty: none. Needs at least one indicator.",
    )
    # The representatives' own confirmations (they write them at /actions/<id>/confirm/).
    confirmations = ConfirmationSerializer(many=True, read_only=True)

    class Meta:
        model = Action
        fields = [
            "id",
            "plan",
            "goal",
            "sub_measure",
            "indicators",
            "baseline_period",
            "title",
            "description",
            "responsible",
            "deadline",
            "status",
            "representatives_took_part",
            "representatives_took_part_on",
            "confirmations",
            "copied_from",
            "version",
        ]
        read_only_fields = ["copied_from", "version"]
        extra_kwargs = {"description": {"max_length": ACTION_DESCRIPTION_MAX}}


class ActionUpdateSerializer(ActionSerializer):
    """An update changes the action's fields, never the plan it belongs to."""

    # Declared fields ignore Meta.read_only_fields: ``plan`` must be redeclared.
    plan = serializers.PrimaryKeyRelatedField(read_only=True)
    version = serializers.IntegerField(
        required=False, help_text="The version read; alternatively the If-Match header."
    )

    class Meta(ActionSerializer.Meta):
        read_only_fields = ["plan", "copied_from"]


class PlanSerializer(serializers.ModelSerializer):
    unit = serializers.SlugRelatedField(slug_field="code", queryset=OrgUnit.objects.all())
    strategy = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    actions = ActionSerializer(many=True, read_only=True)
    representative_remarks = serializers.SerializerMethodField()

    class Meta:
        model = ActionPlan
        fields = [
            "id",
            "unit",
            "strategy",
            "year",
            "version",
            "created_at",
            "updated_at",
            "actions",
            "representative_remarks",
        ]
        read_only_fields = ["version", "created_at", "updated_at"]
        # Which years may have a plan is the service's rule (plans.services), as on the web.

    @extend_schema_field(RemarkSerializer(many=True))
    def get_representative_remarks(self, plan: ActionPlan) -> list[dict[str, Any]]:
        return _remarks(plan.unit, plan.year, None)


class CommentSerializer(serializers.Serializer):
    """An indicator's explanation: the comment, the plan's actions for it, or why none.

    On PATCH a field left out keeps what the report has.
    """

    indicator = serializers.SlugRelatedField(slug_field="slug", queryset=Indicator.objects.all())
    text = serializers.CharField(required=False, allow_blank=True, max_length=REPORT_COMMENT_MAX)
    actions = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=500,
        help_text="Ids of actions of the unit's plan of the report's year.",
    )
    no_action_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=REPORT_COMMENT_MAX,
        help_text="Why no action of the plan is chosen (instead of actions).",
    )


class TertialReportSerializer(serializers.ModelSerializer):
    unit = serializers.SlugRelatedField(slug_field="code", queryset=OrgUnit.objects.all())
    comments = serializers.SerializerMethodField()
    prioritised_actions = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    representative_remarks = serializers.SerializerMethodField()

    class Meta:
        model = TertialReport
        fields = [
            "id",
            "unit",
            "year",
            "tertial",
            "state",
            "summary",
            "comments",
            "prioritised_actions",
            "submitted_at",
            "reviewed_at",
            "review_comment",
            "representative_remarks",
            "version",
        ]
        read_only_fields = [
            "state",
            "summary",
            "submitted_at",
            "reviewed_at",
            "review_comment",
            "version",
        ]
        # Which tertials may have a report (begun, from 2000) is the service's rule
        # (plans.services.report_period_validate), as on the web.
        # get_or_create: an existing report is returned, not refused.
        validators: list[Any] = []

    @extend_schema_field(RemarkSerializer(many=True))
    def get_representative_remarks(self, report: TertialReport) -> list[dict[str, Any]]:
        return _remarks(report.unit, report.year, report.tertial)

    @extend_schema_field(CommentSerializer(many=True))
    def get_comments(self, report: TertialReport) -> list[dict[str, Any]]:
        rows = []
        for c in report.comments.all():
            actions = sorted(a.pk for a in c.actions.all())
            if c.text or actions or c.no_action_reason:
                rows.append(
                    {
                        "indicator": c.indicator.slug,
                        "text": c.text,
                        "actions": actions,
                        "no_action_reason": c.no_action_reason,
                    }
                )
        return rows


class TertialReportUpdateSerializer(serializers.Serializer):
    summary = serializers.CharField(required=False, allow_blank=True, max_length=REPORT_SUMMARY_MAX)
    comments = CommentSerializer(many=True, required=False)
    prioritised_actions = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=500,
    )
    version = serializers.IntegerField(
        required=False, help_text="The version read; alternatively the If-Match header."
    )


class ReviewSerializer(serializers.Serializer):
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=REPORT_COMMENT_MAX,
        help_text="The reviewer's comment: required when returning the report.",
    )
    version = serializers.IntegerField(
        required=False, help_text="The version read; alternatively the If-Match header."
    )


class ProgressSerializer(serializers.Serializer):
    unit = serializers.CharField(allow_null=True, help_text="The service area's code; null: all.")
    units = serializers.IntegerField()
    delivered = serializers.IntegerField()
    approved = serializers.IntegerField()
    drafts = serializers.IntegerField()
    not_started = serializers.IntegerField()


class TertialRoundSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField()

    class Meta:
        model = TertialRound
        fields = [
            "id",
            "year",
            "tertial",
            "state",
            "opened_at",
            "deadline",
            "closed_at",
            "progress",
        ]

    @extend_schema_field(ProgressSerializer(many=True, allow_null=True))
    def get_progress(self, round_: TertialRound) -> list[dict[str, Any]] | None:
        """HR only: the total first, then each service area; null for others."""
        if not self.context.get("with_progress"):
            return None
        total, areas = round_progress(year=round_.year, tertial=round_.tertial)
        return [
            {
                "unit": p.unit.code if p.unit else None,
                "units": p.units,
                "delivered": p.delivered,
                "approved": p.approved,
                "drafts": p.drafts,
                "not_started": p.not_started,
            }
            for p in [total, *areas]
        ]


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, help_text="The version read; alternatively the If-Match header."
    )


# --- Imports -----------------------------------------------------------------------------


class ImportJobSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "url",
            "status",
            "source",
            "created_at",
            "finished_at",
            "skip_invalid",
            "files",
            "counts",
            "errors",
            "recompute_pending",
        ]

    @extend_schema_field(serializers.URLField())
    def get_url(self, job: ImportJob) -> str:
        path = reverse("api:import-detail", kwargs={"pk": job.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class ImportUploadSerializer(serializers.Serializer):
    files = serializers.ListField(
        child=serializers.FileField(allow_empty_file=False),
        allow_empty=False,
        max_length=10,
        help_text="orgunits.csv, employments.csv, absences.csv, or one .xlsx workbook.",
    )
    skip_invalid = serializers.BooleanField(
        default=False, help_text="Import the valid rows and report the rest."
    )
