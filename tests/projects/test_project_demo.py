from projects.models import Project


def test_seed_projects_demo_covers_every_state_and_is_idempotent(demo):
    from projects.demo import seed_projects_demo

    statuses = set(Project.objects.filter(body__key="jx-base").values_list("status", flat=True))
    assert {"draft", "submitted", "returned", "rejected", "awaiting_council", "in_notice", "in_progress",
            "terminated", "archived"} <= statuses
    count = Project.objects.count()
    assert seed_projects_demo() == {}
    assert Project.objects.count() == count
    notice = Project.objects.get(status="in_notice")
    assert notice.join_requests.count() == 1
    adjusted = Project.objects.get(title="光伏电站生态修复技术指南")
    assert adjusted.version == 2 and adjusted.versions.count() == 2
    assert adjusted.partners.filter(organisation__isnull=False).count() == 1
    archived = Project.objects.get(status="archived")
    assert archived.closing_outcome == "accepted"
    assert archived.closing_reports.get().reviews.filter(score=88).count() == 2
