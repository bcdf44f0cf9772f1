"""Forms of the HR import."""

from pathlib import Path

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one ``<input type="file" multiple>`` (Django's documented way)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".csv,.xlsx"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: object, initial: object = None) -> list[UploadedFile]:
        clean_one = super().clean
        if isinstance(data, list | tuple):
            # No file at all must still fail as "required".
            return [clean_one(item, initial) for item in data] if data else [clean_one(None)]
        return [clean_one(data, initial)]


class HRImportForm(forms.Form):
    files = MultipleFileField(label=gettext_lazy("Files"))
    skip_invalid = forms.BooleanField(
        label=gettext_lazy("Skip invalid rows"),
        required=False,
        help_text=gettext_lazy(
            "Import the valid rows and leave out the invalid ones (and the rows that depend "
            "on them). Without this, nothing is imported when any row is invalid."
        ),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = _(
            "orgunits.csv, employments.csv and/or absences.csv (UTF-8, separated by comma "
            "or semicolon), or one Excel workbook (.xlsx) with the sheets orgunits, "
            "employments and absences. At most %(size)d MB in total."
        ) % {"size": settings.HR_IMPORT_MAX_UPLOAD_MB}

    def clean_files(self) -> list[UploadedFile]:
        files = self.cleaned_data["files"]
        suffixes = [Path(file.name).suffix.lower() for file in files]
        wrong = [
            file.name
            for file, suffix in zip(files, suffixes, strict=True)
            if suffix not in {".csv", ".xlsx"}
        ]
        if wrong:
            raise forms.ValidationError(
                _("Only .csv and .xlsx files can be imported, not: %(names)s.")
                % {"names": ", ".join(wrong)}
            )
        if ".xlsx" in suffixes and len(files) > 1:
            raise forms.ValidationError(
                _("Upload either CSV files or one Excel workbook, not several files with one.")
            )
        limit = settings.HR_IMPORT_MAX_UPLOAD_MB
        size = sum(file.size for file in files)
        if size > limit * 1024 * 1024:
            raise forms.ValidationError(
                _(
                    "The files are too large: %(size)s MB in all, and the limit is %(limit)d "
                    "MB. Import larger batches on the server with “manage.py import_hr”."
                )
                % {"size": number_format(size / 1024 / 1024, decimal_pos=1), "limit": limit}
            )
        return files
