"""The link between projects and the council (jx-base: approval may need the council's decision).

When the office approves a project whose body requires the council's decision,
`request_council_decision` puts a motion on the council's next notified meeting (or leaves it
for the secretariat to schedule); when the motion closes, `on_motion_closed` applies the result
through `record_council_decision`. The council's own rules (quorum, pass fraction, frozen roster)
decide; the project only follows the result.
"""
from django.contrib.contenttypes.models import ContentType
from django.dispatch import receiver
from django.utils.translation import gettext as _

from councils.models import Council
from councils.services.votes import propose_motion
from councils.signals import motion_closed


from .services.project_common import ProjectError


class NoCouncil(ProjectError):
    """The body requires the council's decision but has no council."""


def council_of(body):
    return Council.objects.filter(body=body).order_by("pk").first()


def motion_ref(motion):
    return _("%(council)s 第%(n)s号议案") % {"council": motion.council.name_zh, "n": motion.number}


def request_council_decision(project, *, actor, now=None):
    """A draft motion whose subject is the project. Returns the motion."""
    council = council_of(project.body)
    if council is None:
        raise NoCouncil(_("本机构尚未设立理事会，无法提交理事会决议；请先设立理事会或修改项目设置。"))
    return propose_motion(
        council, actor=actor, now=now, subject=project,
        title=_("关于“%(title)s”立项的议案") % {"title": project.title},
        text=_("项目编号 %(no)s，申报单位 %(unit)s。办公室已审核通过，提请理事会审议立项。") % {
            "no": project.number or project.pk, "unit": project.owner_org.name})


@receiver(motion_closed, dispatch_uid="projects.on_motion_closed")
def on_motion_closed(sender, motion, passed, **kwargs):
    from .models import Project
    from .services.project_application import record_council_decision

    if motion.subject_type_id != ContentType.objects.get_for_model(Project).pk:
        return
    project = Project.objects.filter(pk=motion.subject_id).first()
    if project is not None:
        record_council_decision(project, passed=passed, motion_ref=motion_ref(motion))


