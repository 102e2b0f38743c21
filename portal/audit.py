"""The audit trail: one append-only table, one hash chain per body (plus `_site`).

    record(actor, "policy.update", policy, body=body, data={"before": …, "after": …})

Every state-changing service calls `record` inside its transaction. `verify()` re-walks
each chain and reports the first event whose hash or link does not match.
"""
import hashlib
import json
from dataclasses import dataclass
from datetime import timezone as dt_timezone

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from .models import AuditChain, AuditEvent

SITE_CHAIN = "_site"
GENESIS = "0" * 64

_request_ip = {}


def set_request_ip(ip):
    """Called by middleware so services need not read the request."""
    _request_ip["ip"] = ip


def clear_request_ip():
    _request_ip.pop("ip", None)


def chain_key(body):
    return body.key if body is not None else SITE_CHAIN


def _canonical(event):
    payload = {
        "chain": event.chain,
        "seq": event.seq,
        "created_at": event.created_at.isoformat(),
        "actor_id": event.actor_id,
        "actor": event.actor_repr,
        "action": event.action,
        "target_type": event.target_type_id,
        "target_id": event.target_id,
        "target": event.target_repr,
        "body_id": event.body_id,
        "data": event.data,
        "ip": event.ip,
        "prev": event.prev_hash,
    }
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder, separators=(",", ":"))


def compute_hash(event):
    return hashlib.sha256(_canonical(event).encode("utf-8")).hexdigest()


def _jsonable(data):
    return json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder, ensure_ascii=False))


def apply_changes(obj, values):
    """Set `values` on `obj` and return (before, after) of the fields that really changed,
    the shape every `*.update` audit event stores."""
    before, after = {}, {}
    for field, value in values.items():
        old = getattr(obj, field)
        if old != value:
            before[field], after[field] = old, value
            setattr(obj, field, value)
    return before, after


def record(actor, action, target=None, *, body=None, data=None, ip=None, now=None):
    """Append one event to the body's chain. Call inside the service's transaction."""
    # hash the UTC form: that is what the database gives back when the chain is verified
    now = (now or timezone.now()).astimezone(dt_timezone.utc)
    key = chain_key(body)
    # no savepoint of its own (savepoint=False): an audit record that fails fails the service's
    # transaction with it; three statements per event once the chain exists
    with transaction.atomic(savepoint=False):
        chain = AuditChain.objects.select_for_update().filter(key=key).first()
        if chain is None:  # the chain's first event (get_or_create copes with a concurrent first)
            AuditChain.objects.get_or_create(key=key)
            chain = AuditChain.objects.select_for_update().get(key=key)
        user = actor if getattr(actor, "is_authenticated", False) else None
        event = AuditEvent(
            chain=key,
            seq=chain.length + 1,
            created_at=now.replace(microsecond=(now.microsecond // 1000) * 1000),
            actor=user,
            actor_repr=(f"{user.name} <{user.email}>" if user else (str(actor) if actor else "system"))[:200],
            action=action,
            target_type=ContentType.objects.get_for_model(target) if target is not None else None,
            target_id=str(target.pk) if target is not None else "",
            target_repr=str(target)[:300] if target is not None else "",
            body=body,
            data=_jsonable(data),
            ip=ip or _request_ip.get("ip"),
            prev_hash=chain.last_hash,
        )
        event.hash = compute_hash(event)
        event.save()
        chain.last_hash = event.hash
        chain.length = event.seq
        chain.save(update_fields=["last_hash", "length"])
    return event


@dataclass
class ChainReport:
    chain: str
    length: int
    ok: bool
    problem: str = ""
    event_id: int | None = None


def verify(chains=None):
    """Re-walk each chain in order; return one ChainReport per chain."""
    keys = chains or list(AuditChain.objects.order_by("key").values_list("key", flat=True))
    reports = []
    for key in keys:
        prev = GENESIS
        count = 0
        report = None
        for event in AuditEvent.objects.filter(chain=key).order_by("seq").iterator(chunk_size=2000):
            count += 1
            if event.seq != count:
                report = ChainReport(key, count, False, f"sequence gap: expected {count}, found {event.seq}", event.pk)
                break
            if event.prev_hash != prev:
                report = ChainReport(key, count, False, "broken link to previous event", event.pk)
                break
            if compute_hash(event) != event.hash:
                report = ChainReport(key, count, False, "content does not match its hash", event.pk)
                break
            prev = event.hash
        if report is None:
            head = AuditChain.objects.filter(key=key).first()
            if head and (head.last_hash != prev or head.length != count):
                report = ChainReport(key, count, False, "chain head does not match the last event")
            else:
                report = ChainReport(key, count, True)
        reports.append(report)
    return reports
