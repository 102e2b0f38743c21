"""Normalized recusal keys on ExpertProfile (see ExpertProfile.refresh_keys), filled for the
existing profiles so the draw pool can match employers, participants and declared relations
with SQL filters."""
import re

from django.db import migrations, models


def _normalize(text):
    # the same form as experts.models.pool.normalize (copied: migrations do not import app code)
    return re.sub(r"[ \t\n\r\u3000]+", "", str(text or "")).lower()


KEYS = ["name_key", "employer_key", "recent_employer_keys", "declared_key"]


def fill_keys(apps, schema_editor):
    ExpertProfile = apps.get_model("experts", "ExpertProfile")
    db = schema_editor.connection.alias
    rows = ExpertProfile.objects.using(db).only(
        "id", "name", "employer", "recent_employers", "close_relations", "shareholdings").order_by("pk")
    batch = []
    for p in rows.iterator(chunk_size=2000):
        recent = p.recent_employers if isinstance(p.recent_employers, list) else []
        p.name_key = _normalize(p.name)
        p.employer_key = _normalize(p.employer)
        p.recent_employer_keys = "".join(f"\n{_normalize(r)}\n" for r in recent)
        p.declared_key = _normalize(f"{p.close_relations or ''} {p.shareholdings or ''}")
        batch.append(p)
        if len(batch) >= 2000:
            ExpertProfile.objects.using(db).bulk_update(batch, KEYS)
            batch = []
    if batch:
        ExpertProfile.objects.using(db).bulk_update(batch, KEYS)


class Migration(migrations.Migration):

    dependencies = [
        ("experts", "0003_list_order_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="expertprofile",
            name="name_key",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=200),
        ),
        migrations.AddField(
            model_name="expertprofile",
            name="employer_key",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=400),
        ),
        migrations.AddField(
            model_name="expertprofile",
            name="recent_employer_keys",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="expertprofile",
            name="declared_key",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
    ]
