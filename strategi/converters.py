"""Path converters of the site's URLs (imported by the URL modules that use them).

``<unitcode:…>`` holds an org unit's code. New codes use letters, digits, ``-``, ``_``
and ``.`` only (spec/hr-import.md, "Parsing rules"), but a code stored before that rule
may hold a ``/``, which Django's ``str`` converter refuses: every page that links to
such a unit would fail (NoReverseMatch). This converter takes any text, ``/``
included; Django percent-encodes everything else a code may hold (``?``, ``#``, ``%``,
spaces, æøå) when it builds the URL, and decodes it when it resolves one.
"""

from django.urls import register_converter


class UnitCodeConverter:
    """An org unit's code in a URL path: any non-empty text, ``/`` included."""

    regex = ".+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(UnitCodeConverter, "unitcode")
