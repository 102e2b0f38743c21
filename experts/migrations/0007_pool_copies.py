"""The profile fields a draw's pool query tests, copied onto the memberships (Expert): the
condition columns and the recusal keys (see experts.models.pool.PROFILE_COPIES). Existing rows
are filled by one UPDATE … FROM (PostgreSQL, and SQLite >= 3.33).

On PostgreSQL the frozen pool and exclusions of a draw (hundreds of kB for a pool of 100 000)
are compressed with lz4 instead of pglz: half the time to write a freeze (~30 ms), faster to
read back; rows written before keep pglz (both are read transparently). Servers built without
lz4 keep pglz."""

from django.db import migrations, models, transaction


def draw_columns_lz4(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("ALTER TABLE experts_draw ALTER COLUMN exclusions SET COMPRESSION lz4, "
                           "ALTER COLUMN pool SET COMPRESSION lz4")
    except Exception:  # PostgreSQL < 14 or built without lz4: pglz stays
        pass


class Migration(migrations.Migration):

    dependencies = [
        ('experts', '0006_lifecycle'),
    ]

    operations = [
        migrations.AddField(
            model_name='expert',
            name='declared_key',
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name='expert',
            name='employer_key',
            field=models.CharField(blank=True, editable=False, max_length=400),
        ),
        migrations.AddField(
            model_name='expert',
            name='employer_type',
            field=models.CharField(blank=True, editable=False, max_length=20),
        ),
        migrations.AddField(
            model_name='expert',
            name='name_key',
            field=models.CharField(blank=True, editable=False, max_length=200),
        ),
        migrations.AddField(
            model_name='expert',
            name='recent_employer_keys',
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name='expert',
            name='region',
            field=models.CharField(blank=True, editable=False, max_length=100),
        ),
        migrations.AddField(
            model_name='expert',
            name='title_level',
            field=models.CharField(default='none', editable=False, max_length=20),
        ),
        migrations.RunSQL(
            """UPDATE experts_expert SET title_level = p.title_level, region = p.region,
                   employer_type = p.employer_type, name_key = p.name_key, employer_key = p.employer_key,
                   recent_employer_keys = p.recent_employer_keys, declared_key = p.declared_key
               FROM experts_expertprofile AS p WHERE p.id = experts_expert.profile_id""",
            migrations.RunSQL.noop),
        migrations.RunPython(draw_columns_lz4, migrations.RunPython.noop),
    ]
