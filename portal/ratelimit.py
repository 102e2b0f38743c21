"""Per-client-IP allowances on public forms (objections, public comments), counted in the cache
so that every web process shares them when CACHE_URL points at Redis.

    OBJECTIONS = PerIpLimit("experts:objection-rate", "QUORUM_OBJECTION_RATE", (5, 3600))
    if OBJECTIONS.exceeded(ip): ...        # before accepting the form
    OBJECTIONS.count(ip)                   # after a filing is saved

The (count, seconds) allowance is read from settings at each call, so tests and deployments can
change it without a restart of this module."""
from django.conf import settings
from django.core.cache import cache


class PerIpLimit:
    def __init__(self, key_prefix, setting, default):
        self.key_prefix, self.setting, self.default = key_prefix, setting, default

    def allowance(self):
        """(filings, seconds) allowed per client IP."""
        return getattr(settings, self.setting, self.default)

    def _key(self, ip):
        return f"{self.key_prefix}:{ip or 'unknown'}"

    def exceeded(self, ip):
        limit, _window = self.allowance()
        return (cache.get(self._key(ip)) or 0) >= limit

    def count(self, ip):
        _limit, window = self.allowance()
        key = self._key(ip)
        cache.add(key, 0, window)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, window)
