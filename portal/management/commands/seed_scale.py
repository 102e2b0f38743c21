"""Large data for benchmarks, with bulk inserts. Later issues add their own tables."""
import time

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from guardian.models import UserObjectPermission
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType

from portal.demo import ensure_bodies
from portal.models import Body, Notification, Role, RoleAssignment, User
from portal.roles import ROLE_PERMISSIONS


class Command(BaseCommand):
    help = "Create N users spread over the bodies as experts/members, with notifications (bulk inserts)."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=1000)
        parser.add_argument("--batch", type=int, default=2000)
        parser.add_argument("--experts", type=int, default=0,
                            help="Also create N admitted experts with certificates (experts.scale).")

    @transaction.atomic
    def handle(self, *args, users=1000, batch=2000, experts=0, **options):
        started = time.monotonic()
        ensure_bodies()
        bodies = list(Body.objects.order_by("order"))
        start = User.objects.filter(email__startswith="scale-").count()
        password = make_password("scale-password")
        new_users = [
            User(email=f"scale-{i:07d}@scale.quorum.cn", name=f"测试用户{i:07d}", password=password,
                 email_verified=True)
            for i in range(start, start + users)
        ]
        User.objects.bulk_create(new_users, batch_size=batch)
        created = list(User.objects.filter(email__startswith="scale-").order_by("-id")[:users])
        perms = {p.codename: p for p in Permission.objects.filter(content_type__app_label="portal",
                                                                   content_type__model="body")}
        ct = ContentType.objects.get_for_model(Body)
        assignments, uops, notes = [], [], []
        for i, user in enumerate(created):
            body = bodies[i % len(bodies)]
            role = Role.EXPERT if i % 3 else Role.MEMBER
            assignments.append(RoleAssignment(user=user, body=body, role=role))
            for codename in ROLE_PERMISSIONS[role]:
                uops.append(UserObjectPermission(user=user, permission=perms[codename], content_type=ct,
                                                 object_pk=str(body.pk)))
            notes.append(Notification(user=user, kind="welcome", subject="欢迎使用 Quorum", body=body))
        RoleAssignment.objects.bulk_create(assignments, batch_size=batch, ignore_conflicts=True)
        UserObjectPermission.objects.bulk_create(uops, batch_size=batch, ignore_conflicts=True)
        Notification.objects.bulk_create(notes, batch_size=batch)
        self.stdout.write(f"created {len(created)} users, {len(assignments)} role assignments, "
                          f"{len(notes)} notifications in {time.monotonic() - started:.1f}s")
        if experts:
            from experts.scale import create_experts

            result = create_experts(experts)
            self.stdout.write(f"created {result['experts']} experts in {result['seconds']}s")
