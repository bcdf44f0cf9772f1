"""The tertial report form: a comment per indicator, prioritised actions, a summary."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Action
from .report_selectors import ReportIndicator


class ActionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Action) -> str:
        return f"{obj.title} ({obj.goal.title})"


class TertialReportForm(forms.Form):
    """Fields ``comment_<indicator id>`` for each indicator, then actions and summary."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    prioritised_actions = ActionChoiceField(
        queryset=Action.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Actions you prioritise next tertial"),
        help_text=gettext_lazy("Choose among the actions of the unit's action plan."),
    )
    summary = forms.CharField(
        label=gettext_lazy("Summary"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("How did the tertial go, and what will you do next?"),
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
        for row in indicators:
            self.fields[self.comment_name(row.indicator.pk)] = forms.CharField(
                label=_("Comment on %(indicator)s") % {"indicator": row.indicator.name},
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text=_("Why is the value where it is, and what are you doing about it?"),
            )
        field = self.fields["prioritised_actions"]
        field.queryset = Action.objects.filter(pk__in=[a.pk for a in actions]).select_related(
            "goal"
        )

    @staticmethod
    def comment_name(indicator_id: int) -> str:
        return f"comment_{indicator_id}"

    def comments(self) -> dict[int, str]:
        return {
            row.indicator.pk: self.cleaned_data[self.comment_name(row.indicator.pk)]
            for row in self.indicators
        }
