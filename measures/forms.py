"""Forms of the indicator pages: reported indicators, their values and value imports."""

from pathlib import Path

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from goals.models import Goal, SubMeasure
from org.models import OrgUnit

from .models import Indicator

# The fields of a reported indicator HR edits (besides what it follows).
REPORTED_INDICATOR_FIELDS = (
    "slug",
    "name",
    "description",
    "unit_of_measure",
    "direction",
    "scale_min",
    "scale_max",
)


class GoalChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Goal) -> str:
        return f"{obj.strategy.owner}, {obj.strategy.goal_label.lower()} {obj.number}: {obj.title}"


class SubMeasureChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: SubMeasure) -> str:
        strategy = obj.goal.strategy
        return f"{strategy.owner}, {strategy.goal_label.lower()} {obj.goal.number}: {obj.title}"


class ReportedIndicatorForm(forms.Form):
    """A reported indicator; ``reported_indicator_save`` decides what may be saved."""

    slug = forms.SlugField(
        label=gettext_lazy("Short name"),
        max_length=100,
        help_text=gettext_lazy(
            "Used in import files and exports: letters, digits, - and _, e.g. «tifaktor_autonomi»."
        ),
    )
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=200,
        help_text=gettext_lazy("The name leaders and HR see."),
    )
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("What is measured, and where the values come from."),
    )
    unit_of_measure = forms.CharField(
        label=gettext_lazy("Unit of measure"),
        max_length=50,
        help_text=gettext_lazy("For example «skår 1–5», «%» or «personer»."),
    )
    direction = forms.ChoiceField(
        label=gettext_lazy("Direction"),
        choices=Indicator.Direction.choices,
        help_text=gettext_lazy("Whether a higher or a lower value is better."),
    )
    scale_min = forms.FloatField(
        label=gettext_lazy("Lowest value"),
        required=False,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text=gettext_lazy("Values below this are refused. Empty: no lower bound."),
    )
    scale_max = forms.FloatField(
        label=gettext_lazy("Highest value"),
        required=False,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text=gettext_lazy("Values above this are refused. Empty: no upper bound."),
    )
    goals = GoalChoiceField(
        queryset=Goal.objects.select_related("strategy").order_by(
            "-strategy__is_active", "strategy__name", "order", "number"
        ),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Goals it follows"),
        help_text=gettext_lazy("The goals this indicator shows progress on as a whole."),
    )
    sub_measures = SubMeasureChoiceField(
        queryset=SubMeasure.objects.select_related("goal__strategy").order_by(
            "-goal__strategy__is_active", "goal__strategy__name", "goal__order", "order"
        ),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Sub-measures it follows"),
        help_text=gettext_lazy("The sub-measures («… gjennom å») this indicator follows."),
    )

    @classmethod
    def for_indicator(cls, indicator: Indicator, **kwargs: object) -> "ReportedIndicatorForm":
        """The form filled in with a stored indicator (for editing)."""
        initial = {name: getattr(indicator, name) for name in REPORTED_INDICATOR_FIELDS}
        initial["goals"] = list(indicator.goals.all())
        initial["sub_measures"] = list(indicator.sub_measures.all())
        return cls(initial=initial, **kwargs)


class ReportedValueForm(forms.Form):
    indicator = forms.ModelChoiceField(
        queryset=Indicator.objects.filter(kind=Indicator.Kind.REPORTED),
        label=gettext_lazy("Indicator"),
        help_text=gettext_lazy("Only reported indicators take entered values."),
    )
    unit = forms.ModelChoiceField(
        queryset=OrgUnit.objects.order_by("code"),
        label=gettext_lazy("Unit"),
        help_text=gettext_lazy("The value is for this unit with everything below it."),
    )
    period = forms.CharField(
        label=gettext_lazy("Period"),
        max_length=10,
        help_text=gettext_lazy(
            "A year (2025), a tertial (2025-T1) or a month (2025-03). The 10-faktor survey "
            "is entered per year."
        ),
    )
    value = forms.FloatField(
        label=gettext_lazy("Value"),
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text=gettext_lazy(
            "Decimal comma or point, e.g. 4,2. Entering a value again for the same "
            "indicator, unit and period replaces it."
        ),
    )


class _UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def clean_file(self) -> UploadedFile:
        file = self.cleaned_data["file"]
        if Path(file.name).suffix.lower() not in {".csv", ".xlsx"}:
            raise forms.ValidationError(
                _("Only .csv and .xlsx files can be imported, not: %(names)s.")
                % {"names": file.name}
            )
        if file.size > settings.HR_IMPORT_MAX_UPLOAD_MB * 1024 * 1024:
            raise forms.ValidationError(
                _("The file is too large: the limit is %(limit)d MB.")
                % {"limit": settings.HR_IMPORT_MAX_UPLOAD_MB}
            )
        return file


class SurveyImportForm(_UploadForm):
    """A file of 10-FAKTOR results (unit, factor, score, respondents) and its survey year."""

    # Two forms share the page: the prefix keeps their fields' ids apart.
    prefix = "survey"

    year = forms.IntegerField(
        label=gettext_lazy("Survey year"),
        min_value=2000,
        max_value=2100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=gettext_lazy("The year the survey was carried out, e.g. 2026."),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].label = _("File with 10-FAKTOR results")
        self.fields["file"].help_text = _(
            "A CSV file (UTF-8, separated by comma or semicolon) or an Excel workbook (.xlsx) "
            "with the columns unit, factor, score and respondents: one row per unit and "
            "factor, each the result of the unit with everything below it. At most %(size)d MB."
        ) % {"size": settings.HR_IMPORT_MAX_UPLOAD_MB}


class ReportedImportForm(_UploadForm):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "A CSV file (UTF-8, separated by comma or semicolon) or an Excel workbook (.xlsx) "
            "with the columns indicator, unit, period and value. At most %(size)d MB."
        ) % {"size": settings.HR_IMPORT_MAX_UPLOAD_MB}
