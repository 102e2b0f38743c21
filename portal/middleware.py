from . import audit


def client_ip(request):
    # Behind the documented reverse proxy the real client is the first X-Forwarded-For hop.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    return (forwarded.split(",")[0].strip() or request.META.get("REMOTE_ADDR")) or None


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
