"""Forms for action plans and tertial reports (rendered with crispy-forms, Bootstrap 5)."""

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from goals.models import Goal, Strategy, SubMeasure
from measures.models import Indicator

from .models import Action, Capacity
from .selectors import (
    REPRESENTATIVES_DID_NOT,
    REPRESENTATIVES_TOOK_PART,
    ReportIndicator,
    strategy_indicators,
)
from .services import (
    ACTION_DESCRIPTION_MAX,
    REMARK_MAX,
    REPORT_COMMENT_MAX,
    REPORT_SUMMARY_MAX,
    SUBMISSION_KEY_PATTERN,
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class SubmittedOnceForm(forms.Form):
    """A form that carries a fresh submission key, so that a double submit saves once.

    The key is made when the form is shown and sent back with it (a hidden field);
    ``plans.services.submit_once`` lets only its first submission write.
    """

    submission = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("submission", new_submission_key())

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        key = cleaned.get("submission") or ""
        if key and not SUBMISSION_KEY_PATTERN.match(key):
            # Only a tampered form sends another key: said at the top, as the field is hidden.
            self.add_error(
                None, gettext("The form could not be read: reload the page and try again.")
            )
            cleaned["submission"] = ""
        return cleaned

    def submission_key(self) -> str:
        return self.cleaned_data.get("submission") or ""

    def content(self) -> dict:
        """What was submitted, without the key: the same content gives the same digest."""
        return {k: v for k, v in self.cleaned_data.items() if k != "submission"}


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ``ValidationError`` on the form's fields (others at the top)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, problems in error.message_dict.items():
        for problem in problems:
            form.add_error(name if name in form.fields else None, problem)


def new_submission_key() -> str:
    return uuid.uuid4().hex


def with_new_submission_key(data: object) -> object:
    """A copy of a form's POST data with a fresh submission key (to save it anew)."""
    copy = data.copy()  # type: ignore[attr-defined]
    copy["submission"] = new_submission_key()
    return copy


class ActionForm(SubmittedOnceForm):
    """An action (tiltak); ``version`` is the one the form was opened with."""

    goal = forms.ModelChoiceField(label=_("Goal"), queryset=Goal.objects.none(), empty_label=None)
    title = forms.CharField(
        label=_("Action"),
        max_length=200,
        help_text=_(
            "What will be done, in a few words. For example «Kartlegge ønsket stillingsstørrelse»."
        ),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=ACTION_DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional: how, with whom, and how you will know that it worked."),
    )
    sub_measure = forms.ModelChoiceField(
        label=_("Sub-measure"),
        queryset=SubMeasure.objects.none(),
        required=False,
        empty_label=_("(none)"),
        help_text=_("Optional: which of the goal's sub-measures the action works towards."),
    )
    indicators = forms.ModelMultipleChoiceField(
        label=_("Indicators the action should move"),
        queryset=Indicator.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Optional: the strategy's indicators the action should improve. The unit page "
            "then marks the action on their charts and compares before and after."
        ),
    )
    baseline_period = forms.CharField(
        label=_("Baseline period"),
        required=False,
        max_length=20,
        help_text=_(
            "The last period measured before the action began: a month (2025-12), a "
            "tertial (2025-T3) or a year (2025). The action counts as started the day after."
        ),
    )
    responsible = forms.CharField(
        label=_("Responsible"),
        max_length=200,
        required=False,
        help_text=_("Who follows the action up: a name or a role."),
    )
    deadline = forms.DateField(
        label=_("Deadline"), required=False, widget=DateInput(), help_text=_("Optional.")
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(value, capfirst(label)) for value, label in Action.Status.choices],
        initial=Action.Status.PLANNED,
    )
    representatives_took_part = forms.BooleanField(
        label=_("Employee representatives (tillitsvalgt / verneombud) took part"),
        required=False,
    )
    representatives_took_part_on = forms.DateField(
        label=_("When the representatives took part"),
        required=False,
        widget=DateInput(),
        help_text=_("The date of the meeting where they took part."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: object, strategy: Strategy, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["goal"].queryset = Goal.objects.filter(strategy=strategy).order_by(
            "order", "number"
        )
        self.fields["sub_measure"].queryset = (
            SubMeasure.objects.filter(goal__strategy=strategy)
            .select_related("goal")
            .order_by("goal__order", "order")
        )
        self.fields["sub_measure"].label_from_instance = lambda sub: (
            f"{sub.goal.number}. {sub.title}"
        )
        self.fields["indicators"].queryset = Indicator.objects.filter(
            pk__in=[i.pk for i in strategy_indicators(strategy_id=strategy.pk)]
        ).order_by("order", "slug")

    def clean(self) -> dict:
        data = super().clean()
        goal, sub_measure = data.get("goal"), data.get("sub_measure")
        if goal and sub_measure and sub_measure.goal_id != goal.pk:
            self.add_error("sub_measure", _("Choose a sub-measure of the chosen goal."))
        if data.get("representatives_took_part_on") and not data.get("representatives_took_part"):
            self.add_error(
                "representatives_took_part_on",
                _("Give a date only when the employee representatives took part."),
            )
        return data

    def action_fields(self) -> dict:
        """The cleaned values the services take (everything but ``version`` and the key)."""
        return {k: v for k, v in self.content().items() if k != "version"}


def action_initial(action: Action) -> dict:
    return {
        "goal": action.goal_id,
        "title": action.title,
        "description": action.description,
        "sub_measure": action.sub_measure_id,
        "responsible": action.responsible,
        "deadline": action.deadline,
        "status": action.status,
        "representatives_took_part": action.representatives_took_part,
        "representatives_took_part_on": action.representatives_took_part_on,
        "indicators": [i.pk for i in action.indicators.all()],
        "baseline_period": action.baseline_period,
        "version": action.version,
    }


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class ConfirmSubmitForm(SubmittedOnceForm):
    """The confirmation step of submitting a report: the version it was shown with."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ActionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Action) -> str:
        return f"{obj.title} ({obj.goal.title})"


class TertialReportForm(SubmittedOnceForm):
    """Fields ``comment_<indicator id>`` for each indicator, then actions and summary."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    prioritised_actions = ActionChoiceField(
        queryset=Action.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Actions you prioritise next tertial"),
        help_text=_("Choose among the actions of the unit's action plan."),
    )
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        max_length=REPORT_SUMMARY_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("How did the tertial go, and what will you do next?"),
    )

    def __init__(
        self,
        *args: object,
        indicators: list[ReportIndicator],
        actions: list[Action],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        choices = Action.objects.filter(pk__in=[a.pk for a in actions]).select_related("goal")
        # Plain choices, not a queryset: each indicator's checkboxes cost no query.
        action_choices = [(a.pk, f"{a.title} ({a.goal.title})") for a in actions]
        for row in indicators:
            pk = row.indicator.pk
            name = row.indicator.name
            self.fields[self.comment_name(pk)] = forms.CharField(
                label=gettext("Comment on %(indicator)s") % {"indicator": name},
                required=False,
                max_length=REPORT_COMMENT_MAX,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text=gettext("Why is the value where it is, and what are you doing about it?"),
            )
            self.fields[self.actions_name(pk)] = forms.TypedMultipleChoiceField(
                choices=action_choices,
                coerce=int,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                label=gettext("Actions from the plan for %(indicator)s") % {"indicator": name},
            )
            self.fields[self.reason_name(pk)] = forms.CharField(
                label=gettext("No action, because …"),
                required=False,
                max_length=REPORT_COMMENT_MAX,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=gettext("If no action of the plan fits, say why."),
            )
        self.fields["prioritised_actions"].queryset = choices  # type: ignore[attr-defined]
        self.has_actions = bool(actions)

    @staticmethod
    def comment_name(indicator_id: int) -> str:
        return f"comment_{indicator_id}"

    @staticmethod
    def actions_name(indicator_id: int) -> str:
        return f"actions_{indicator_id}"

    @staticmethod
    def reason_name(indicator_id: int) -> str:
        return f"no_action_reason_{indicator_id}"

    @classmethod
    def initial_for(cls, rows: list[ReportIndicator]) -> dict:
        """The per-indicator fields' initial values: what the report holds."""
        initial: dict = {}
        for row in rows:
            pk = row.indicator.pk
            initial[cls.comment_name(pk)] = row.comment
            initial[cls.actions_name(pk)] = sorted(row.action_ids)
            initial[cls.reason_name(pk)] = row.no_action_reason
        return initial

    def add_unexplained(self, error: ValidationError) -> None:
        """Put a refused submit's problems next to the fields they concern.

        Without actions in the plan there is no checkbox: the lacking action is then
        asked of the "no action, because" text.
        """
        for name, problems in error.message_dict.items():
            if name.startswith("actions_") and not self.has_actions:
                name = "no_action_reason_" + name.removeprefix("actions_")
            for message in problems:
                self.add_error(name if name in self.fields else None, message)

    def error_anchor(self, name: str) -> str:
        """The element id a link in the error summary points at."""
        if name.startswith("actions_"):
            return f"id_{name}_0"
        return f"id_{name}"

    def comments(self) -> dict[int, str]:
        return {
            row.indicator.pk: self.cleaned_data[self.comment_name(row.indicator.pk)]
            for row in self.indicators
        }

    def indicator_actions(self) -> dict[int, list[int]]:
        return {
            row.indicator.pk: list(self.cleaned_data[self.actions_name(row.indicator.pk)])
            for row in self.indicators
        }

    def no_action_reasons(self) -> dict[int, str]:
        return {
            row.indicator.pk: self.cleaned_data[self.reason_name(row.indicator.pk)]
            for row in self.indicators
        }


class ReviewForm(forms.Form):
    """Approve a submitted report (optional comment) or send it back (comment required)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=REPORT_COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: object, required: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["comment"]
        field.required = required
        if required:
            field.label = _("What should be changed?")
            field.error_messages["required"] = gettext(
                "Say what the leader should change before resubmitting."
            )


class AreaSummaryForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    text = forms.CharField(
        label=_("The area's summary"),
        required=False,
        max_length=REPORT_SUMMARY_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class RoundOpenForm(forms.Form):
    tertial = forms.ChoiceField(label=_("Tertial"))

    def __init__(self, *args: object, choices: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tertial"].choices = choices

    def year_tertial(self) -> tuple[int, int]:
        year, tertial = self.cleaned_data["tertial"].split("-T")
        return int(year), int(tertial)


class RoundDeadlineForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    deadline = forms.DateField(label=_("Deadline"), widget=DateInput())


class ParticipationForm(forms.Form):
    """A representative's «Bekreft deltakelse» on one action: in which capacity."""

    capacity = forms.ChoiceField(label=_("As"), choices=Capacity.choices, initial=Capacity.UNION)


class RemarkForm(SubmittedOnceForm):
    """A representative's remark on a plan or a tertial report."""

    capacity = forms.ChoiceField(
        label=_("I write as"), choices=Capacity.choices, initial=Capacity.UNION
    )
    text = forms.CharField(
        label=_("Remark"),
        max_length=REMARK_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Your own remark as employee representative. The leader, the leader above and "
            "HR read it; it is kept with your name and the date."
        ),
    )


class PlanListFilterForm(forms.Form):
    """The plan list's year and its filter on the representatives' participation."""

    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False)
    tillitsvalgte = forms.ChoiceField(
        label=_("Employee representatives"),
        required=False,
        choices=[
            ("", _("All units")),
            (REPRESENTATIVES_TOOK_PART, _("Took part in the plan")),
            (REPRESENTATIVES_DID_NOT, _("Have a plan, did not take part")),
        ],
    )

    def __init__(self, *args: object, this_year: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        years = range(this_year + 1, this_year - 5, -1)
        self.fields["year"].choices = [(y, str(y)) for y in years]  # type: ignore[attr-defined]
        self.fields["year"].initial = this_year
