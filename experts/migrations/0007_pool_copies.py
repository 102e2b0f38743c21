"""The profile fields a draw's pool query tests, copied onto the memberships (Expert): the
condition columns and the recusal keys (see experts.models.pool.PROFILE_COPIES). Existing rows
are filled by one UPDATE … FROM (PostgreSQL, and SQLite >= 3.33)."""

from django.db import migrations, models


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
    ]
