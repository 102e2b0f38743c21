from django.conf import settings

from . import audit


def client_ip(request):
    """The client's address: REMOTE_ADDR, or behind N trusted proxies the X-Forwarded-For entry
    the nearest of them appended (entries further left are client-supplied and can be forged)."""
    hops = settings.QUORUM_TRUSTED_PROXIES
    forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
    if hops and len(forwarded) >= hops:
        return forwarded[-hops]
    return request.META.get("REMOTE_ADDR") or None


class AuditIPMiddleware:
    """Make the client's IP available to audit.record() without services reading the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        audit.set_request_ip(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            audit.clear_request_ip()
