"""Request rates per client: per token, else per user, else per address.

The count lives in the ``throttle`` cache, which is Redis when ``REDIS_URL`` is set:
every gunicorn worker and every machine counts into the same number, so N processes
do not allow N times the rate. DRF's own throttle keeps a list of request times that
it reads, appends to and writes back, which loses requests that two processes count
at once; this one counts in fixed windows with the cache's atomic ``incr`` instead
(a window is the rate's period, e.g. a minute: a client may make its whole rate at the
end of one window and again at the start of the next).

When the cache cannot be reached, requests are let through (and the cache is left alone
for a while): the rate limit protects the service, it must not take the API down
with Redis.
"""

import logging
import time
from typing import Any

from django.core.cache import BaseCache, caches
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from .scope import token_of

logger = logging.getLogger(__name__)

ALIAS = "throttle"
# After a cache error, this process lets requests through unthrottled this many seconds.
PAUSE_AFTER_ERROR = 30

try:  # the Redis client comes with Celery's Redis extra
    from redis.exceptions import RedisError

    CACHE_ERRORS: tuple[type[Exception], ...] = (OSError, RedisError)
except ImportError:  # pragma: no cover
    CACHE_ERRORS = (OSError,)

_paused_until = 0.0


class ClientRateThrottle(SimpleRateThrottle):
    """``API_THROTTLE_RATE`` requests per client and period, counted once for all processes."""

    scope = "client"
    # Set by SimpleRateThrottle.__init__ from the rate (e.g. 1200 and 60 s).
    num_requests: int
    duration: int
    window_ends: float

    @property
    def cache(self) -> BaseCache:  # type: ignore[override]
        return caches[ALIAS]

    def get_cache_key(self, request: Request, view: Any) -> str:
        token = token_of(request)
        if token is not None:
            ident = f"token-{token.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"addr-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request: Request, view: Any) -> bool:
        global _paused_until
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.window_ends = (window + 1) * self.duration
        if time.monotonic() < _paused_until:
            return True
        try:
            count = self._count(f"{key}:{window}")
        except CACHE_ERRORS:
            logger.warning(
                "The API throttle's cache failed; requests are not throttled for %d s.",
                PAUSE_AFTER_ERROR,
                exc_info=True,
            )
            _paused_until = time.monotonic() + PAUSE_AFTER_ERROR
            return True
        return count <= self.num_requests

    def _count(self, key: str) -> int:
        """This request counted into the window's number (atomic in Redis)."""
        # The entry outlives its window a little, so a slow clock does not restart it.
        self.cache.add(key, 0, timeout=self.duration + 5)
        try:
            return self.cache.incr(key)
        except ValueError:  # expired between add and incr: this is its first request
            self.cache.add(key, 1, timeout=self.duration + 5)
            return 1

    def wait(self) -> float | None:
        """Seconds until the window ends (the ``Retry-After`` of a 429)."""
        return max(self.window_ends - self.timer(), 1)
