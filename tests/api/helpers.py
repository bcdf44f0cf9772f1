"""The API tests' world: the plan tests' units and role users, tokens, stored values.

K (kommune) → HV (tjenesteområde) → V1, V2 (virksomheter); A1 is a department of V1.
"""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from rest_framework.test import APIClient

from api.services import token_create
from measures import periods as P
from measures.models import Indicator, IndicatorValue
from measures.services import indicators_load_seeded, target_save
from tests.plans.plan_helpers import World, build_world


@dataclass
class ApiWorld:
    world: World
    tokens: dict[str, str]

    @property
    def units(self) -> dict:
        return self.world.units

    @property
    def users(self) -> dict:
        return self.world.users

    def client(self, who: str) -> APIClient:
        """``anonymous``, a role user of the plan world (session), or a token name."""
        client = APIClient()
        if who in self.tokens:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {self.tokens[who]}")
        elif who != "anonymous":
            client.force_authenticate(user=self.users[who])
        return client


def store_values(units: dict, *, months: int = 3, year: int = 2025) -> int:
    """A sick-leave value per unit and month (value = month number + unit index)."""
    indicator = Indicator.objects.get(slug="sick_leave_pct")
    now = timezone.now()
    rows = []
    for index, unit in enumerate(units.values()):
        for month in range(1, months + 1):
            period = P.month(year, month)
            rows.append(
                IndicatorValue(
                    indicator=indicator,
                    unit=unit,
                    granularity=P.MONTH,
                    period=period.label,
                    period_start=period.start,
                    period_end=period.end,
                    value=month + index + 0.25,
                    numerator=(month + index + 0.25) * 4,
                    denominator=400.0,
                    n_persons=12,
                    computed_at=now,
                )
            )
    IndicatorValue.objects.bulk_create(rows)
    return len(rows)


def build_api_world() -> ApiWorld:
    world = build_world()
    indicators_load_seeded()
    store_values(world.units)
    target_save(
        indicator=Indicator.objects.get(slug="sick_leave_pct"),
        unit=world.units["K"],
        comparator="<",
        value=6.0,
        margin=0.5,
        valid_from=dt.date(2020, 1, 1),
    )
    hr = world.users["hr"]
    tokens = {}
    for name, kwargs in {
        "token-read": {},
        "token-write": {"can_write": True},
        "token-v1": {"units": [world.units["V1"]]},
        "token-v1-write": {"units": [world.units["V1"]], "can_write": True},
        "token-leader-write": {"user": world.users["leader-own"], "can_write": True},
    }.items():
        _token, raw = token_create(name=name, by=hr, **kwargs)
        tokens[name] = raw
    return ApiWorld(world=world, tokens=tokens)
