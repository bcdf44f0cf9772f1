"""A synthetic Norwegian municipality: pseudonymous HR files for demos and load tests.

``generate_municipality`` writes ``orgunits.csv``, ``employments.csv`` and
``absences.csv`` in the import format of ``spec/hr-import.md``. The files are
deterministic for a given (persons, seed, end_date, years): every draw comes from one
``random.Random(seed)``, and nothing is iterated in hash order.

The model, in short:
- The unit tree is kommune → five tjenesteområder (``SERVICE_AREAS``) →
  virksomheter of typical kinds (sykehjem, skole, barnehage …) → avdelinger for the
  larger ones. How many virksomheter there are follows the headcount.
- ``persons`` is the number of distinct persons in the files: persons already employed
  when the period starts (with their real, earlier start dates) and persons hired
  during it. The headcount stays about level at ``persons / (1 + 0.094 × years)``,
  about two thirds of ``persons`` over 5 years. Each person's career is a chain of
  employments ended by competing events (resignation, internal move, new position,
  end of a temporary employment, retirement, disability, death).
- Sick leave is a seasonal point process per person, split over the person's
  employments; its level is tuned so that ``sick_leave_pct`` (spec/indicators.md) is
  about 8 % for the whole municipality, higher in health and lower in staff functions.
- For load tests at national scale, ``municipalities`` > 1 writes many such kommuner
  of falling size under one national root, with unique unit codes and ids.
"""

import bisect
import csv
import datetime
import functools
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from random import Random
from typing import Generic, Protocol, TypeVar
from zoneinfo import ZoneInfo

T = TypeVar("T")

ORGUNITS_FILE = "orgunits.csv"
EMPLOYMENTS_FILE = "employments.csv"
ABSENCES_FILE = "absences.csv"
ORGUNIT_COLUMNS = ("code", "name", "parent_code", "level", "shift_based")
EMPLOYMENT_COLUMNS = (
    "employment_id",
    "person_id",
    "birth_date",
    "gender",
    "unit_code",
    "position_pct",
    "start_date",
    "end_date",
    "end_reason",
    "employment_type",
    "job_title",
)
ABSENCE_COLUMNS = ("absence_id", "employment_id", "start_date", "end_date", "grade_pct", "kind")

ROOT_CODE = "DK"
ROOT_NAME = "Eksempelvik kommune"
# (code, name, share of the headcount).
SERVICE_AREAS = (
    ("HV", "Helse og velferd", 0.50),
    ("OU", "Oppvekst og utdanning", 0.30),
    ("BM", "Bymiljø og utbygging", 0.08),
    ("IS", "Innbygger- og samfunnskontakt", 0.06),
    ("OS", "Organisasjon og stab", 0.06),
)

# Persons hired per year, as a share of the headcount (turnover incl. temporary staff).
# The share of persons already employed when the period starts follows from it, so that
# the headcount stays about level over the period.
HIRES_PER_YEAR = 0.094
DEPARTMENT_SIZE = 32  # persons per avdeling
MIN_SIZE_WITH_DEPARTMENTS = 60
MAX_SHARED_SERVICE_SIZE = 400  # above this a municipality-wide service is split
DAYS_PER_YEAR = 365.25

# Sick leave: spells per person-year before the person's multipliers, and the mix.
SPELLS_PER_YEAR = 2.2
SELF_CERTIFIED_SHARE = 0.50
SHORT_DOCTOR_SHARE = 0.36  # the rest are long (> 16 days) doctor-certified spells
# Relative rate of spells starting in each month (winter flu, summer holidays).
SEASON = (1.3, 1.25, 1.1, 1.0, 0.95, 0.85, 0.55, 0.85, 1.0, 1.05, 1.1, 1.0)


@dataclass(frozen=True)
class GenerationSummary:
    """What ``generate_municipality`` wrote."""

    units: int
    persons: int
    employments: int
    absences: int
    start_date: datetime.date  # first day of the period covered (earlier start dates occur)
    end_date: datetime.date
    headcount_at_end: int  # persons with an active employment on end_date


class _Picker(Generic[T]):
    """Weighted choice that is faster than ``Random.choices`` for single draws."""

    __slots__ = ("cum", "items", "total")

    def __init__(self, pairs: Sequence[tuple[T, float]]) -> None:
        self.items = [item for item, _ in pairs]
        self.cum = list(itertools.accumulate(weight for _, weight in pairs))
        self.total = self.cum[-1]

    def pick(self, rng: Random) -> T:
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


# (title, weight, probability of a full-time position)
_Title = tuple[str, float, float]


@dataclass(frozen=True)
class _Kind:
    """A kind of virksomhet."""

    area: str
    abbr: str  # code part: HV-SH03
    name: str  # with "{place}" for kinds that exist in many neighbourhoods
    share: float  # of the service area's headcount
    size: int  # typical headcount of one virksomhet
    leader: str
    titles: tuple[_Title, ...]
    departments: tuple[str, ...] = ()
    shift: bool = False
    female: float = 0.75
    sick: float = 1.0  # relative sick-leave rate
    temporary: float = 0.10  # share of hires that are temporary
    required: bool = False  # exists even in the smallest municipality


# fmt: off
KINDS = (
    # Helse og velferd
    _Kind("HV", "SH", "{place} sykehjem", 0.38, 90, "Virksomhetsleder",
          (("Sykepleier", 30, 0.2), ("Helsefagarbeider", 38, 0.12), ("Assistent", 18, 0.03),
           ("Spesialsykepleier", 3, 0.5), ("Fagutviklingssykepleier", 1, 0.9),
           ("Avdelingsleder", 2, 1.0), ("Ergoterapeut", 1, 0.7), ("Fysioterapeut", 1, 0.7),
           ("Kokk", 3, 0.6)),
          ("langtid", "korttid", "skjermet enhet", "rehabilitering", "lindrende enhet",
           "1. etasje", "2. etasje", "3. etasje"),
          shift=True, female=0.87, sick=1.3, temporary=0.22, required=True),
    _Kind("HV", "HJS", "Hjemmebaserte tjenester {place}", 0.24, 80, "Virksomhetsleder",
          (("Sykepleier", 34, 0.2), ("Helsefagarbeider", 36, 0.12), ("Assistent", 12, 0.03),
           ("Vernepleier", 5, 0.32), ("Ergoterapeut", 3, 0.8), ("Fysioterapeut", 3, 0.8),
           ("Avdelingsleder", 2, 1.0), ("Hjemmehjelp", 5, 0.2)),
          ("sone nord", "sone sør", "sone øst", "sone vest", "sentrum", "natt",
           "hverdagsrehabilitering", "praktisk bistand"),
          shift=True, female=0.88, sick=1.3, temporary=0.20),
    _Kind("HV", "BOF", "{place} bofellesskap", 0.14, 35, "Virksomhetsleder",
          (("Vernepleier", 22, 0.28), ("Miljøterapeut", 14, 0.34), ("Helsefagarbeider", 24, 0.12),
           ("Assistent", 34, 0.03), ("Sykepleier", 4, 0.23), ("Avdelingsleder", 2, 1.0)),
          ("bolig 1", "bolig 2", "bolig 3", "avlastning"),
          shift=True, female=0.78, sick=1.25, temporary=0.22),
    _Kind("HV", "LV", "Legevakt", 0.03, 40, "Legevaktsjef",
          (("Sykepleier", 65, 0.38), ("Lege", 20, 0.8), ("Helsesekretær", 10, 0.6),
           ("Avdelingsleder", 2, 1.0)),
          ("dag", "natt", "akuttmottak"),
          shift=True, female=0.75, sick=1.1, temporary=0.15),
    _Kind("HV", "HS", "Helsestasjon og skolehelsetjeneste {place}", 0.05, 30, "Leder",
          (("Helsesykepleier", 60, 0.75), ("Jordmor", 15, 0.7), ("Lege", 8, 0.8),
           ("Fysioterapeut", 8, 0.8), ("Helsesekretær", 6, 0.7)),
          female=0.93, sick=1.0),
    _Kind("HV", "NAV", "NAV {place}", 0.06, 40, "NAV-leder",
          (("Veileder", 55, 0.9), ("Rådgiver", 20, 0.95), ("Konsulent", 20, 0.85)),
          ("oppfølging", "sosiale tjenester", "marked", "mottak"),
          female=0.72, sick=1.0, temporary=0.08),
    _Kind("HV", "PHR", "Psykisk helse og rus {place}", 0.06, 35, "Virksomhetsleder",
          (("Miljøterapeut", 35, 0.8), ("Sykepleier", 20, 0.8), ("Psykolog", 8, 0.95),
           ("Sosionom", 15, 0.9), ("Vernepleier", 12, 0.8), ("Erfaringskonsulent", 3, 0.4)),
          ("lavterskel", "oppfølgingstjenesten", "dagtilbud"),
          female=0.75, sick=1.1),
    _Kind("HV", "TK", "Tjenestekontoret", 0.04, 25, "Leder",
          (("Saksbehandler", 50, 0.9), ("Rådgiver", 30, 0.95), ("Konsulent", 20, 0.85)),
          ("vedtak", "koordinerende enhet", "forvaltning"),
          female=0.85, sick=0.9, temporary=0.06),
    # Oppvekst og utdanning
    _Kind("OU", "SK", "{place} skole", 0.40, 55, "Rektor",
          (("Lærer", 60, 0.85), ("Lektor", 6, 0.9), ("Assistent", 12, 0.4),
           ("Fagarbeider", 10, 0.5), ("Miljøterapeut", 3, 0.8), ("Avdelingsleder", 2, 1.0),
           ("Sekretær", 2, 0.8)),
          ("småtrinnet", "mellomtrinnet", "SFO", "forsterket avdeling"),
          female=0.78, sick=0.95, temporary=0.15, required=True),
    _Kind("OU", "US", "{place} ungdomsskole", 0.17, 50, "Rektor",
          (("Lektor", 35, 0.9), ("Lærer", 45, 0.88), ("Assistent", 6, 0.5),
           ("Miljøterapeut", 5, 0.85), ("Rådgiver", 2, 0.9), ("Avdelingsleder", 2, 1.0),
           ("Sekretær", 2, 0.8)),
          ("8. trinn", "9. trinn", "10. trinn", "forsterket avdeling"),
          female=0.65, sick=0.9, temporary=0.15),
    _Kind("OU", "BH", "{place} barnehage", 0.33, 28, "Styrer",
          (("Barnehagelærer", 35, 0.85), ("Fagarbeider", 28, 0.6), ("Assistent", 30, 0.4),
           ("Spesialpedagog", 3, 0.8)),
          ("avdeling Blåklokka", "avdeling Solsikken", "avdeling Marihøna", "avdeling Ekornet",
           "avdeling Reven", "avdeling Humla"),
          female=0.92, sick=1.2, temporary=0.20),
    _Kind("OU", "PPT", "Pedagogisk-psykologisk tjeneste", 0.03, 25, "Leder",
          (("Rådgiver", 55, 0.9), ("Spesialpedagog", 25, 0.9), ("Psykolog", 15, 0.95),
           ("Konsulent", 5, 0.8)),
          ("barnehage", "grunnskole", "logopedi"),
          female=0.85, sick=0.85),
    _Kind("OU", "KS", "Kulturskolen", 0.03, 25, "Rektor",
          (("Lærer", 80, 0.45), ("Konsulent", 10, 0.8), ("Avdelingsleder", 2, 1.0)),
          ("musikk", "dans og teater", "visuell kunst"),
          female=0.6, sick=0.8),
    _Kind("OU", "VO", "Voksenopplæringen", 0.04, 30, "Rektor",
          (("Lærer", 80, 0.85), ("Rådgiver", 10, 0.95), ("Konsulent", 10, 0.85)),
          ("norskopplæring", "grunnskole for voksne", "introduksjonsprogrammet"),
          female=0.7, sick=0.95, temporary=0.15),
    # Bymiljø og utbygging
    _Kind("BM", "PARK", "Park og vei", 0.25, 45, "Virksomhetsleder",
          (("Fagarbeider", 45, 0.95), ("Maskinfører", 20, 0.98), ("Ingeniør", 15, 1.0),
           ("Arbeidsleder", 8, 1.0), ("Gartner", 10, 0.9)),
          ("park", "vei", "verksted", "idrett og friluft"),
          female=0.18, sick=0.95, required=True),
    _Kind("BM", "VA", "Vann og avløp", 0.18, 40, "Virksomhetsleder",
          (("Ingeniør", 35, 0.98), ("Fagarbeider", 40, 0.97), ("Driftsoperatør", 20, 0.97),
           ("Prosjektleder", 5, 1.0)),
          ("vannverk", "renseanlegg", "ledningsnett", "prosjekt"),
          female=0.2, sick=0.8),
    _Kind("BM", "EIE", "Eiendom", 0.17, 40, "Virksomhetsleder",
          (("Byggdrifter", 40, 0.95), ("Ingeniør", 20, 1.0), ("Prosjektleder", 15, 1.0),
           ("Rådgiver", 15, 1.0), ("Konsulent", 10, 0.9)),
          ("drift", "prosjekt", "forvaltning", "vaktmestertjenesten"),
          female=0.25, sick=0.85),
    _Kind("BM", "REN", "Renhold", 0.25, 50, "Renholdsleder",
          (("Renholder", 85, 0.5), ("Fagarbeider", 10, 0.7), ("Arbeidsleder", 5, 1.0)),
          ("sone 1", "sone 2", "sone 3", "sone 4", "kveld"),
          female=0.75, sick=1.35, temporary=0.15),
    _Kind("BM", "PBS", "Plan og byggesak", 0.15, 30, "Leder",
          (("Arealplanlegger", 30, 1.0), ("Saksbehandler", 30, 0.95), ("Ingeniør", 25, 1.0),
           ("Rådgiver", 15, 1.0)),
          ("arealplan", "byggesak", "oppmåling"),
          female=0.5, sick=0.6, temporary=0.05),
    # Innbygger- og samfunnskontakt
    _Kind("IS", "KUL", "Kultur og bibliotek", 0.35, 35, "Kultursjef",
          (("Bibliotekar", 30, 0.8), ("Kulturkonsulent", 20, 0.85), ("Fritidsleder", 20, 0.5),
           ("Rådgiver", 15, 0.95), ("Konsulent", 15, 0.8)),
          ("bibliotek", "kulturhus", "fritid og ungdom", "idrett"),
          female=0.65, sick=0.85, required=True),
    _Kind("IS", "BRANN", "Brann og redning", 0.35, 50, "Brannsjef",
          (("Brannkonstabel", 65, 0.97), ("Utrykningsleder", 15, 1.0), ("Brannforebygger", 10, 1.0),
           ("Feier", 6, 0.95)),
          ("vaktlag 1", "vaktlag 2", "vaktlag 3", "vaktlag 4", "forebyggende"),
          shift=True, female=0.1, sick=0.7, temporary=0.05),
    _Kind("IS", "ST", "Servicetorget", 0.15, 25, "Leder",
          (("Konsulent", 60, 0.85), ("Rådgiver", 20, 0.95), ("Saksbehandler", 20, 0.9)),
          ("publikumsmottak", "sentralbord", "digitale tjenester"),
          female=0.8, sick=1.0),
    _Kind("IS", "KOM", "Kommunikasjon og samfunnskontakt", 0.15, 20, "Kommunikasjonssjef",
          (("Rådgiver", 60, 1.0), ("Konsulent", 30, 0.9), ("Webredaktør", 10, 1.0)),
          ("kommunikasjon", "samfunnsutvikling", "frivillighet"),
          female=0.65, sick=0.6, temporary=0.05),
    # Organisasjon og stab
    _Kind("OS", "HR", "HR og organisasjonsutvikling", 0.25, 30, "HR-sjef",
          (("Rådgiver", 55, 0.97), ("Konsulent", 35, 0.9), ("Lønnskonsulent", 10, 0.9)),
          ("lønn", "rekruttering", "HMS og arbeidsmiljø", "organisasjonsutvikling"),
          female=0.8, sick=0.65, temporary=0.05, required=True),
    _Kind("OS", "OKO", "Økonomi", 0.25, 35, "Økonomisjef",
          (("Controller", 20, 1.0), ("Rådgiver", 35, 1.0), ("Konsulent", 45, 0.92)),
          ("regnskap", "budsjett og analyse", "innkjøp", "skatt og innfordring"),
          female=0.65, sick=0.6, temporary=0.05),
    _Kind("OS", "IT", "Digitalisering og IT", 0.25, 35, "IT-sjef",
          (("IT-konsulent", 40, 0.98), ("Rådgiver", 25, 1.0), ("Systemansvarlig", 20, 1.0),
           ("Prosjektleder", 15, 1.0)),
          ("drift", "brukerstøtte", "digital utvikling", "informasjonssikkerhet"),
          female=0.3, sick=0.5, temporary=0.05),
    _Kind("OS", "KD", "Kommunedirektørens stab", 0.10, 20, "Stabssjef",
          (("Rådgiver", 60, 1.0), ("Spesialrådgiver", 25, 1.0), ("Konsulent", 15, 0.9)),
          ("juridisk", "analyse", "politisk sekretariat"),
          female=0.6, sick=0.5, temporary=0.05),
    _Kind("OS", "DOK", "Dokumentsenteret", 0.15, 20, "Leder",
          (("Arkivar", 50, 0.9), ("Konsulent", 50, 0.85)),
          ("arkiv", "postmottak", "innsyn"),
          female=0.75, sick=0.9),
)

PLACE_PREFIXES = (
    "Sol", "Fjord", "Bakke", "Strand", "Lund", "Berg", "Dal", "Haug", "Vik", "Nes", "Li",
    "Mo", "Skog", "Eike", "Bjørke", "Furu", "Rogne", "Lyng", "Kløver", "Sjø", "Elve",
    "Fjell", "Ås", "Holme", "Hav", "Myr", "Stein", "Grane", "Løv", "Rosen", "Tusenfryd",
)
PLACE_SUFFIXES = (
    "siden", "bakken", "haugen", "lia", "vika", "tunet", "heim", "gården", "åsen", "dalen",
    "moen", "enga", "toppen", "stranda", "vollen", "sletta", "jordet", "kollen", "nes",
)
# fmt: on
DISTRICTS = ("nord", "sør", "øst", "vest", "sentrum")

# Part-time positions (stillingsprosent): (value, weight).
# fmt: off
SHIFT_PART_TIME = (
    (20.0, 3), (25.0, 3), (33.33, 2), (40.0, 6), (50.0, 10), (60.0, 9), (62.5, 2),
    (66.67, 2), (70.0, 5), (75.0, 12), (80.0, 12), (80.5, 1), (85.0, 4), (88.5, 1), (90.0, 8),
)
DAY_PART_TIME = (
    (20.0, 2), (33.33, 1), (40.0, 4), (50.0, 10), (60.0, 8), (66.67, 1), (70.0, 3),
    (75.0, 6), (80.0, 12), (90.0, 8),
)
# fmt: on
OFFICE_TITLES = (("Konsulent", 2.0, 0.85), ("Rådgiver", 1.5, 0.95))

# Annual hazards by age band (upper bounds of the bands in AGE_BANDS).
AGE_BANDS = (25, 30, 40, 50, 60, 200)
RESIGNATION_RATE = (0.13, 0.09, 0.06, 0.04, 0.03, 0.02)
DISABILITY_RATE = (0.0005, 0.0008, 0.0015, 0.003, 0.007, 0.012)
DEATH_RATE = (0.0003, 0.0003, 0.0004, 0.0008, 0.0015, 0.003)
MOVE_RATE = 0.04
CHANGE_RATE_PART_TIME = {True: 0.03, False: 0.025}  # by shift_based
CHANGE_RATE_FULL_TIME = 0.012
# Completed age at retirement: (age, weight); 70 is the age limit (særaldersgrense).
RETIREMENT_AGES = _Picker(
    ((62, 20), (63, 8), (64, 8), (65, 9), (66, 7), (67, 25), (68, 7), (69, 5), (70, 11))
)
LONG_SPELL_GRADES = _Picker(
    ((20.0, 1), (30.0, 1), (40.0, 2), (50.0, 5), (60.0, 2), (70.0, 1), (80.0, 1))
)


def default_end_date(today: datetime.date) -> datetime.date:
    """The last day of the month before ``today``."""
    return today.replace(day=1) - datetime.timedelta(days=1)


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@functools.cache
def _format_pct(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


class _RowWriter(Protocol):
    def writerow(self, row: Iterable[str], /) -> object: ...
    def writerows(self, rows: Iterable[Iterable[str]], /) -> None: ...


@dataclass(eq=False)
class _Unit:
    code: str
    name: str
    parent_code: str
    level: str
    shift: bool
    kind: _Kind | None = None
    area: str = ""
    capacity: float = 0.0
    titles: _Picker[_Title] | None = None

    def pick_title(self, rng: Random) -> _Title:
        if self.titles is None:
            raise ValueError(f"Unit {self.code} has no staff of its own.")
        return self.titles.pick(rng)


@dataclass(frozen=True)
class _Entry:
    """How a person's first employment in the files begins."""

    unit: _Unit
    birth: int  # ordinals
    first_day: int
    risk_from: int  # events (exits, moves) happen from this day on
    temporary_until: int | None
    summer: bool = False


class _Calendar:
    """Day facts by ordinal, precomputed for the period so the hot loops stay cheap."""

    def __init__(self, first: int, last: int) -> None:
        self.first = first
        self.last = last
        self.month_end: list[int] = []
        self.month_start: list[int] = []
        self.season: list[float] = []
        top = max(SEASON)
        for ordinal in range(first, last + 1):
            day = datetime.date.fromordinal(ordinal)
            start = day.replace(day=1)
            following = (start + datetime.timedelta(days=32)).replace(day=1)
            self.month_start.append(start.toordinal())
            self.month_end.append(following.toordinal() - 1)
            self.season.append(SEASON[day.month - 1] / top)
        self._iso: dict[int, str] = {}

    def end_of_month(self, ordinal: int) -> int:
        if self.first <= ordinal <= self.last:
            return self.month_end[ordinal - self.first]
        if ordinal > self.last:
            return ordinal  # far beyond the period: nobody sees the difference
        day = datetime.date.fromordinal(ordinal).replace(day=1)
        return (day + datetime.timedelta(days=32)).replace(day=1).toordinal() - 1

    def start_of_month(self, ordinal: int) -> int:
        if self.first <= ordinal <= self.last:
            return self.month_start[ordinal - self.first]
        return datetime.date.fromordinal(ordinal).replace(day=1).toordinal()

    def iso(self, ordinal: int | None) -> str:
        if ordinal is None:
            return ""
        text = self._iso.get(ordinal)
        if text is None:
            text = self._iso[ordinal] = datetime.date.fromordinal(ordinal).isoformat()
        return text


def _band(age: float) -> int:
    return bisect.bisect_right(AGE_BANDS, age)


def _enterprise_count(kind: _Kind, headcount: float) -> int:
    """How many virksomheter of ``kind`` a municipality with this headcount has."""
    if "{place}" in kind.name:
        count = round(headcount / kind.size)
    elif headcount >= kind.size / 2:
        count = math.ceil(headcount / MAX_SHARED_SERVICE_SIZE)
    else:
        count = 0
    return max(count, 1 if kind.required else 0)


def _build_units(
    rng: Random,
    headcount: float,
    *,
    root: tuple[str, str, str] = (ROOT_CODE, ROOT_NAME, ""),
    prefix: str = "",
) -> list[_Unit]:
    """The unit tree, parents before children; leaf capacities sum to ``headcount``.

    ``root`` is the municipality's (code, name, parent code) and ``prefix`` goes before
    every other unit code, so that several municipalities can share one file.
    """
    root_code, root_name, root_parent = root
    units = [_Unit(root_code, root_name, root_parent, "kommune", False)]
    places = [head + tail for head in PLACE_PREFIXES for tail in PLACE_SUFFIXES]
    rng.shuffle(places)
    for area, area_name, area_share in SERVICE_AREAS:
        units.append(_Unit(prefix + area, area_name, root_code, "tjenesteomrade", False, area=area))
        counts = {
            kind: _enterprise_count(kind, headcount * area_share * kind.share)
            for kind in KINDS
            if kind.area == area
        }
        # Kinds too small to exist in this municipality leave their staff to the others.
        kept_share = sum(kind.share for kind, count in counts.items() if count)
        for kind, count in counts.items():
            if count == 0:
                continue
            kind_headcount = headcount * area_share * kind.share / kept_share
            by_place = "{place}" in kind.name
            weights = [rng.uniform(0.6, 1.4) for _ in range(count)]
            offset = rng.randrange(len(places))
            kind_titles = _Picker([(t, t[1]) for t in (*kind.titles, (kind.leader, 1.5, 1.0))])
            office_titles = _Picker([(t, t[1]) for t in ((kind.leader, 1.0, 1.0), *OFFICE_TITLES)])
            for number, weight in enumerate(weights, start=1):
                size = kind_headcount * weight / sum(weights)
                code = f"{prefix}{area}-{kind.abbr}{number:02d}"
                if by_place:
                    lap, index = divmod(offset + number - 1, len(places))
                    place = places[index] + (f" {lap + 1}" if lap else "")
                    name = kind.name.format(place=place)
                elif count == 1:
                    name = kind.name
                elif number <= len(DISTRICTS):
                    name = f"{kind.name} {DISTRICTS[number - 1]}"
                else:
                    name = f"{kind.name} område {number}"
                departments = (
                    round(size / DEPARTMENT_SIZE) if size >= MIN_SIZE_WITH_DEPARTMENTS else 0
                )
                enterprise = _Unit(code, name, prefix + area, "virksomhet", kind.shift, kind, area)
                units.append(enterprise)
                if departments < 2:
                    enterprise.capacity = size
                    enterprise.titles = kind_titles
                    continue
                # The leader and a few advisers sit at the virksomhet itself.
                enterprise.capacity = max(2.0, 0.04 * size)
                enterprise.titles = office_titles
                shares = [rng.uniform(0.8, 1.2) for _ in range(departments)]
                for index, share in enumerate(shares):
                    suffix = chr(ord("A") + index) if index < 26 else str(index + 1)
                    label = (
                        kind.departments[index]
                        if index < len(kind.departments)
                        else f"avdeling {index + 1}"
                    )
                    units.append(
                        _Unit(
                            f"{code}-{suffix}",
                            f"{name} {label}",
                            code,
                            "avdeling",
                            kind.shift,
                            kind,
                            area,
                            (size - enterprise.capacity) * share / sum(shares),
                            kind_titles,
                        )
                    )
    return units


class _Generator:
    """One run: the random source, the calendar, the unit pickers and the open writers."""

    def __init__(
        self,
        rng: Random,
        units: list[_Unit],
        start: int,
        end: int,
        employments: _RowWriter,
        absences: _RowWriter,
        initial_share: float,
    ) -> None:
        self.rng = rng
        self.initial_share = initial_share
        self.start = start
        self.end = end
        self.calendar = _Calendar(start - 800, end + 800)
        staffed = [unit for unit in units if unit.capacity > 0]
        self.any_unit = _Picker([(unit, unit.capacity) for unit in staffed])
        self.by_area: dict[str, _Picker[_Unit]] = {}
        self.by_kind: dict[str, _Picker[_Unit]] = {}
        for area, *_ in SERVICE_AREAS:
            members = [(unit, unit.capacity) for unit in staffed if unit.area == area]
            if members:
                self.by_area[area] = _Picker(members)
        for kind in KINDS:
            members = [(unit, unit.capacity) for unit in staffed if unit.kind is kind]
            if members:
                self.by_kind[kind.abbr] = _Picker(members)
        summer = [(unit, unit.capacity) for unit in staffed if unit.shift and unit.area == "HV"]
        self.summer_units = _Picker(summer) if summer else None
        self.shift_part_time = _Picker(SHIFT_PART_TIME)
        self.day_part_time = _Picker(DAY_PART_TIME)
        self.employments = employments
        self.absences = absences
        self.employment_count = 0
        self.absence_count = 0
        self.headcount_at_end = 0

    # --- employments -------------------------------------------------------------------

    def _position(self, unit: _Unit, title: _Title, temporary: bool) -> float:
        full_time = title[2] * (0.5 if temporary else 1.0)
        if self.rng.random() < full_time:
            return 100.0
        return (self.shift_part_time if unit.shift else self.day_part_time).pick(self.rng)

    def _other_unit(self, unit: _Unit) -> _Unit:
        """Where an internal move or a second employment goes: mostly the same kind."""
        rng = self.rng
        for _ in range(4):
            draw = rng.random()
            if draw < 0.6 and unit.kind is not None:
                other = self.by_kind[unit.kind.abbr].pick(rng)
            elif draw < 0.9:
                other = self.by_area[unit.area].pick(rng)
            else:
                other = self.any_unit.pick(rng)
            if other is not unit:
                return other
        return other

    def _title_after_move(self, old: _Unit, new: _Unit, title: _Title) -> _Title:
        return title if new.titles is old.titles else new.pick_title(self.rng)

    def _already_employed(self) -> _Entry:
        """A person employed when the period starts, with an earlier start date."""
        rng, start = self.rng, self.start
        age = 20.0 + 49.5 * rng.betavariate(2.0, 2.2)
        birth = self._maybe_leap_day(start - int(age * DAYS_PER_YEAR), older=age < 60)
        age = (start - birth) / DAYS_PER_YEAR
        unit = self.any_unit.pick(rng)
        if rng.random() < 0.06:
            first_day = start - rng.randint(1, 250)
            return _Entry(unit, birth, first_day, start, start + rng.randint(20, 300))
        tenure = min(rng.expovariate(1 / 7.0), age - 18.02, 40.0)
        first_day = start - 1 - int(tenure * DAYS_PER_YEAR)
        following_month = self.calendar.end_of_month(first_day) + 1
        if rng.random() < 0.6 and following_month < start:
            first_day = following_month  # later, never before the 18th birthday
        return _Entry(unit, birth, first_day, start, None)

    def _hired(self) -> _Entry:
        """A person hired during the period: often on the 1st, schools in August."""
        rng, calendar, start, end = self.rng, self.calendar, self.start, self.end
        hired = start + rng.randint(1, end - start)
        year = datetime.date.fromordinal(hired).year
        june = datetime.date(year, 6, rng.randint(10, 24)).toordinal()
        if self.summer_units is not None and rng.random() < 0.12 and start < june <= end:
            august = datetime.date(year, 8, rng.randint(10, 20)).toordinal()
            age = 18.0 + 6.0 * rng.random()
            birth = self._maybe_leap_day(june - int(age * DAYS_PER_YEAR), older=True)
            return _Entry(self.summer_units.pick(rng), birth, june, june, august, summer=True)
        unit = self.any_unit.pick(rng)
        kind = unit.kind
        first_day = hired
        august = datetime.date(year, 8, 1).toordinal()
        if kind and kind.abbr in {"SK", "US"} and rng.random() < 0.5 and start < august <= end:
            first_day = august
        elif calendar.start_of_month(hired) != hired and rng.random() < 0.55:
            first_day = min(calendar.end_of_month(hired) + 1, end)
        temporary_until = None
        if kind and rng.random() < kind.temporary:
            temporary_until = first_day + rng.randint(60, 365)
            if rng.random() < 0.5:
                temporary_until = calendar.end_of_month(temporary_until)
        draw = rng.random()
        if draw < 0.45:
            age = 19.0 + 11.0 * rng.random()
        elif draw < 0.85:
            age = 30.0 + 20.0 * rng.random()
        else:
            age = 50.0 + 14.0 * rng.random()
        birth = self._maybe_leap_day(first_day - int(age * DAYS_PER_YEAR), older=True)
        return _Entry(unit, birth, first_day, first_day, temporary_until)

    def _retirement(self, birth: int, risk_from: int) -> tuple[int, str]:
        """When and how the person would retire: a completed age drawn up front."""
        rng, calendar = self.rng, self.calendar
        retire_age = RETIREMENT_AGES.pick(rng)
        if retire_age == 70:
            retire_day = birth + int(70 * DAYS_PER_YEAR) + rng.randint(1, 28)
        else:
            retire_day = birth + int((retire_age + rng.random()) * DAYS_PER_YEAR)
        latest = calendar.end_of_month(birth + int(70 * DAYS_PER_YEAR) + 1)
        if retire_day <= risk_from + 30:
            retire_day = risk_from + rng.randint(30, 700)
        if rng.random() < 0.9:
            retire_day = calendar.end_of_month(retire_day)
        retire_day = max(min(retire_day, latest), risk_from + 1)
        early_pension = (retire_day - birth) / DAYS_PER_YEAR < 67 and rng.random() < 0.65
        return retire_day, "afp" if early_pension else "alderspensjon"

    def person(self, number: int) -> None:
        """Generate and write one person's employments and sick-leave spells."""
        rng = self.rng
        calendar = self.calendar
        end = self.end
        employed_at_start = rng.random() < self.initial_share
        entry = self._already_employed() if employed_at_start else self._hired()
        unit, birth, summer = entry.unit, entry.birth, entry.summer
        temporary_until, risk_from = entry.temporary_until, entry.risk_from
        retire_day, retire_reason = self._retirement(birth, risk_from)

        gender_draw = rng.random()
        female = unit.kind.female if unit.kind else 0.75
        gender = "" if gender_draw < 0.002 else ("K" if gender_draw < female else "M")
        person_id = f"P{number:06d}"
        birth_iso = calendar.iso(birth)

        title: _Title = ("Sommervikar", 1.0, 0.5) if summer else unit.pick_title(rng)
        pct = self._position(unit, title, temporary_until is not None)
        employment_type = "fast" if temporary_until is None else "midlertidig"

        # chain: the person's consecutive main employments; extras: concurrent second ones.
        chain: list[tuple[str, int, int | None]] = []
        extras: list[tuple[str, int, int | None]] = []
        rows: list[list[str]] = []
        exit_day: int | None = None
        exit_reason = ""
        stint_start = entry.first_day
        while True:
            age = (risk_from - birth) / DAYS_PER_YEAR
            band = _band(age)
            stop, reason, follow = retire_day, retire_reason, ""
            moment = risk_from + int(rng.expovariate(RESIGNATION_RATE[band] / DAYS_PER_YEAR))
            if rng.random() < 0.7:
                moment = calendar.end_of_month(moment)
            if moment < stop:
                stop, reason = moment, "oppsigelse"
            moment = risk_from + int(rng.expovariate(DISABILITY_RATE[band] / DAYS_PER_YEAR))
            if moment < stop:
                stop, reason = calendar.end_of_month(moment), "uforetrygd"
                stop = min(stop, retire_day)
            moment = risk_from + int(rng.expovariate(DEATH_RATE[band] / DAYS_PER_YEAR))
            if moment < stop:
                stop, reason = moment, "dodsfall"
            if temporary_until is not None:
                if temporary_until < stop:
                    stop, reason = temporary_until, "annet"
                    if not summer and rng.random() < 0.4:
                        follow = "convert"
            else:
                moment = risk_from + int(rng.expovariate(MOVE_RATE / DAYS_PER_YEAR))
                if rng.random() < 0.5:
                    moment = calendar.end_of_month(moment)
                if moment < stop:
                    stop, reason, follow = moment, "annet", "move"
                rate = CHANGE_RATE_FULL_TIME if pct >= 100 else CHANGE_RATE_PART_TIME[unit.shift]
                moment = risk_from + int(rng.expovariate(rate / DAYS_PER_YEAR))
                if moment < stop:
                    stop, reason, follow = moment, "annet", "change"
            stop = max(stop, stint_start)
            # A move on the last day would start an employment after the period: drop it.
            ongoing = stop > end or (follow != "" and stop == end)
            self.employment_count += 1
            employment_id = f"E{self.employment_count:06d}"
            rows.append(
                [
                    employment_id,
                    person_id,
                    birth_iso,
                    gender,
                    unit.code,
                    _format_pct(pct),
                    calendar.iso(stint_start),
                    "" if ongoing else calendar.iso(stop),
                    "" if ongoing else reason,
                    employment_type,
                    title[0],
                ]
            )
            chain.append((employment_id, stint_start, None if ongoing else stop))
            if not ongoing and not follow:
                exit_day, exit_reason = stop, reason
            if pct < 100 and employment_type == "fast" and rng.random() < 0.26:
                self._second_employment(
                    rows=rows,
                    extras=extras,
                    person=(person_id, birth_iso, gender),
                    main_unit=unit,
                    main_pct=pct,
                    main_start=stint_start,
                    main_stop=None if ongoing else stop,
                    main_exit_reason="" if ongoing or follow else reason,
                )
            if ongoing or not follow:
                break
            stint_start = risk_from = stop + 1
            if follow == "move":
                old = unit
                unit = self._other_unit(unit)
                title = self._title_after_move(old, unit, title)
                if rng.random() < 0.4:
                    pct = self._position(unit, title, False)
            elif follow == "convert":
                temporary_until = None
                employment_type = "fast"
                if rng.random() < 0.3:
                    pct = max(pct, self._position(unit, title, False))
            else:  # a new position in the same unit
                if pct < 100:
                    larger = [value for value, _ in SHIFT_PART_TIME if value > pct]
                    pct = 100.0 if rng.random() < 0.15 or not larger else rng.choice(larger)
                elif rng.random() < 0.6:
                    pct = rng.choice((50.0, 60.0, 80.0, 80.0, 90.0))
                else:
                    title = unit.pick_title(rng)

        if exit_day is None or exit_day >= end:
            self.headcount_at_end += 1
        self.employments.writerows(rows)
        sick = (
            (unit.kind.sick if unit.kind else 1.0)
            * (0.75 if gender == "M" else 1.1)
            * rng.gammavariate(2.0, 0.5)
        )
        self._spells(chain, extras, exit_day, exit_reason, sick)

    def _maybe_leap_day(self, birth: int, *, older: bool) -> int:
        """A few persons are born on 29 February (a corner case for age calculations)."""
        if self.rng.random() >= 0.004:
            return birth
        year = datetime.date.fromordinal(birth).year
        if older:
            leap = year - year % 4
            while datetime.date(leap, 2, 29).toordinal() > birth:
                leap -= 4
        else:
            leap = year + (4 - year % 4) % 4
            while datetime.date(leap, 2, 29).toordinal() < birth:
                leap += 4
        return datetime.date(leap, 2, 29).toordinal()

    def _second_employment(
        self,
        *,
        rows: list[list[str]],
        extras: list[tuple[str, int, int | None]],
        person: tuple[str, str, str],
        main_unit: _Unit,
        main_pct: float,
        main_start: int,
        main_stop: int | None,
        main_exit_reason: str,
    ) -> None:
        """A concurrent employment in another unit beside a part-time main one (75 % + 25 %)."""
        rng = self.rng
        last = self.end if main_stop is None else main_stop
        # Staff employed long before the period have their second job from recent years.
        base = max(main_start, self.start - 730)
        if base > last:
            return
        begin = base + int(rng.random() * min(last - base, 730))
        if begin > self.end:
            return
        gap = round(100.0 - main_pct, 2)
        options = [value for value in (10.0, 20.0, 25.0, 30.0, 40.0, 50.0) if value <= gap]
        pct = gap if rng.random() < 0.3 or not options else rng.choice(options)
        unit = self._other_unit(main_unit)
        title = unit.pick_title(rng)
        early = begin + int(rng.expovariate(1 / (1.5 * DAYS_PER_YEAR)))
        stop: int | None = early
        reason = rng.choice(("annet", "oppsigelse"))
        if rng.random() < 0.5 or early >= last:
            stop = main_stop
            reason = main_exit_reason or "annet"
        if stop is not None and stop > self.end:
            stop = None
        self.employment_count += 1
        employment_id = f"E{self.employment_count:06d}"
        rows.append(
            [
                employment_id,
                *person,
                unit.code,
                _format_pct(pct),
                self.calendar.iso(begin),
                self.calendar.iso(stop),
                "" if stop is None else reason,
                "fast" if rng.random() < 0.8 else "midlertidig",
                title[0],
            ]
        )
        extras.append((employment_id, begin, stop))

    # --- sick leave --------------------------------------------------------------------

    def _spells(
        self,
        chain: list[tuple[str, int, int | None]],
        extras: list[tuple[str, int, int | None]],
        exit_day: int | None,
        exit_reason: str,
        multiplier: float,
    ) -> None:
        """Spells on the person's timeline, split over the chain and copied to the extras."""
        rng = self.rng
        calendar = self.calendar
        first_season_day = calendar.first
        season = calendar.season
        start, end = self.start, self.end
        limit = end if exit_day is None else exit_day
        cursor = float(max(chain[0][1], start - 365))
        final: tuple[int, int, float, str] | None = None
        if exit_reason == "uforetrygd":
            # Disability usually follows a long sick leave.
            final_start = max(limit - rng.randint(120, 364), int(cursor))
            final = (final_start, limit, 100.0 if rng.random() < 0.7 else 50.0, "legemeldt")
            limit = final_start - 2
        rate = SPELLS_PER_YEAR * multiplier * max(SEASON) / DAYS_PER_YEAR
        spells: list[tuple[int, int, float, str]] = []
        while True:
            cursor += rng.expovariate(rate)
            first = int(cursor)
            if first > limit:
                break
            if rng.random() >= season[first - first_season_day]:
                continue
            weekday = (first - 1) % 7  # date.fromordinal(1) is a Monday
            if weekday >= 5:
                first += 7 - weekday
                if first > limit:
                    break
            draw = rng.random()
            if draw < SELF_CERTIFIED_SHARE:
                kind, grade = "egenmeldt", 100.0
                length = 1 if draw < 0.22 else (2 if draw < 0.37 else 3)
            elif draw < SELF_CERTIFIED_SHARE + SHORT_DOCTOR_SHARE:
                kind = "legemeldt"
                grade = 100.0 if rng.random() < 0.9 else 50.0
                length = min(4 + int(rng.expovariate(1 / 5.0)), 16)
            else:
                kind = "legemeldt"
                grade = 100.0 if rng.random() < 0.62 else LONG_SPELL_GRADES.pick(rng)
                length = min(17 + int(rng.expovariate(1 / 70.0)), 364)
            last = min(first + length - 1, end)
            if exit_day is not None and last > exit_day and rng.random() < 0.8:
                last = exit_day  # most exports cut the spell at the employment's end
            if final is not None and last >= final[0]:
                last = final[0] - 1
            spells.append((first, last, grade, kind))
            cursor = float(last + 1)
        if final is not None and final[0] <= final[1] and final[0] >= chain[0][1]:
            spells.append(final)

        write = self.absences.writerow
        iso = calendar.iso
        position = 0
        for first, last, grade, kind in spells:
            if last < start:
                continue
            grade_text = _format_pct(grade)
            while (stop := chain[position][2]) is not None and stop < first:
                position += 1
            index = position
            while index < len(chain):
                employment_id, begin, stop = chain[index]
                if begin > last:
                    break
                is_last = index == len(chain) - 1
                piece_end = last if is_last or stop is None else min(last, stop)
                self.absence_count += 1
                write(
                    (
                        f"A{self.absence_count:07d}",
                        employment_id,
                        iso(max(first, begin)),
                        iso(piece_end),
                        grade_text,
                        kind,
                    )
                )
                index += 1
            for employment_id, begin, stop in extras:
                if last < begin or (stop is not None and first > stop):
                    continue
                self.absence_count += 1
                write(
                    (
                        f"A{self.absence_count:07d}",
                        employment_id,
                        iso(max(first, begin)),
                        iso(last if stop is None else min(last, stop)),
                        grade_text,
                        kind,
                    )
                )


def municipality_sizes(persons: int, municipalities: int) -> list[int]:
    """How ``persons`` are shared by ``municipalities`` kommuner, largest first.

    Shares fall with rank like Norway's (a few cities, many small kommuner): the k-th
    largest gets a share proportional to ``k ** -0.8``. Every kommune gets at least one
    person.
    """
    if municipalities < 1 or persons < municipalities:
        raise ValueError("need at least one municipality and one person per municipality")
    weights = [rank**-0.8 for rank in range(1, municipalities + 1)]
    total = sum(weights)
    sizes = [max(1, int(persons * weight / total)) for weight in weights]
    sizes[0] += persons - sum(sizes)
    return sizes


def generate_municipality(
    *,
    persons: int,
    seed: int,
    out_dir: Path,
    end_date: datetime.date | None = None,
    years: int = 5,
    municipalities: int = 1,
) -> GenerationSummary:
    """Write a synthetic municipality's HR files (spec/hr-import.md) to ``out_dir``.

    ``end_date`` defaults to the last day of the previous month (the only use of the
    clock; pass it for reproducible files). The period covered is the ``years`` years
    up to and including ``end_date``.

    With ``municipalities`` > 1 the files hold a national sample instead: that many
    kommuner (``municipality_sizes``) under one root ``NO``, each a tree of its own
    whose unit codes start with its code (``K07-HV-SH03``). Person, employment and
    absence ids are unique across the whole file; nobody works in two kommuner.
    """
    if persons < 1:
        raise ValueError("persons must be at least 1")
    if years < 1:
        raise ValueError("years must be at least 1")
    if municipalities < 1:
        raise ValueError("municipalities must be at least 1")
    if end_date is None:
        end_date = default_end_date(datetime.datetime.now(tz=ZoneInfo("Europe/Oslo")).date())
    start_date = _years_before(end_date, years) + datetime.timedelta(days=1)
    rng = Random(seed)  # noqa: S311 - synthetic demo data, not security
    initial_share = 1 / (1 + HIRES_PER_YEAR * years)
    if municipalities == 1:
        trees = [(persons, _build_units(rng, persons * initial_share))]
    else:
        trees = _build_nation(rng, persons, municipalities, initial_share)
    units = [unit for _, tree in trees for unit in tree]

    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / ORGUNITS_FILE).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(ORGUNIT_COLUMNS)
        writer.writerows(
            (u.code, u.name, u.parent_code, u.level, "ja" if u.shift else "nei") for u in units
        )
    employment_count = absence_count = headcount_at_end = 0
    with (
        (out_dir / EMPLOYMENTS_FILE).open("w", encoding="utf-8", newline="") as employments,
        (out_dir / ABSENCES_FILE).open("w", encoding="utf-8", newline="") as absences,
    ):
        employment_writer = csv.writer(employments, lineterminator="\n")
        absence_writer = csv.writer(absences, lineterminator="\n")
        employment_writer.writerow(EMPLOYMENT_COLUMNS)
        absence_writer.writerow(ABSENCE_COLUMNS)
        first_number = 1
        for size, tree in trees:
            generator = _Generator(
                rng,
                tree,
                start_date.toordinal(),
                end_date.toordinal(),
                employment_writer,
                absence_writer,
                initial_share,
            )
            # Ids run on across kommuner so that they stay unique in the national file.
            generator.employment_count = employment_count
            generator.absence_count = absence_count
            for number in range(first_number, first_number + size):
                generator.person(number)
            first_number += size
            employment_count = generator.employment_count
            absence_count = generator.absence_count
            headcount_at_end += generator.headcount_at_end

    return GenerationSummary(
        units=len(units),
        persons=persons,
        employments=employment_count,
        absences=absence_count,
        start_date=start_date,
        end_date=end_date,
        headcount_at_end=headcount_at_end,
    )


NATION_CODE = "NO"
NATION_NAME = "Alle kommuner"


def _build_nation(
    rng: Random, persons: int, municipalities: int, initial_share: float
) -> list[tuple[int, list[_Unit]]]:
    """(persons, unit tree) of each kommune; the first tree also holds the national root."""
    places = [head + tail for head in PLACE_PREFIXES for tail in PLACE_SUFFIXES]
    rng.shuffle(places)
    width = max(2, len(str(municipalities)))
    trees: list[tuple[int, list[_Unit]]] = []
    for index, size in enumerate(municipality_sizes(persons, municipalities), start=1):
        code = f"K{index:0{width}d}"
        lap, place = divmod(index - 1, len(places))
        name = f"{places[place]}{f' {lap + 1}' if lap else ''} kommune"
        tree = _build_units(
            rng, size * initial_share, root=(code, name, NATION_CODE), prefix=f"{code}-"
        )
        trees.append((size, tree))
    nation = _Unit(NATION_CODE, NATION_NAME, "", "kommune", False)
    trees[0][1].insert(0, nation)
    return trees
