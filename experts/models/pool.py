"""A body's expert pool: its field tree, eligibility rules, settings, people and members."""
import re

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def _localized(obj, base):
    if (get_language() or "zh-hans").startswith("en") and getattr(obj, f"{base}_en", ""):
        return getattr(obj, f"{base}_en")
    return getattr(obj, f"{base}_zh")


class PoolSettings(models.Model):
    """Per-body formats and texts of the expert pool (numbers live on portal.Policy)."""

    body = models.OneToOneField("portal.Body", on_delete=models.CASCADE, primary_key=True,
                                related_name="pool_settings")
    certificate_format = models.CharField(
        _("证书编号格式"), max_length=60, default="{prefix}{year}{seq:04d}",
        help_text=_("可用占位符：{prefix} {year} {seq}"))
    certificate_prefix = models.CharField(_("证书编号前缀"), max_length=20, default="ZJ")
    notice_number_format = models.CharField(
        _("公示编号格式"), max_length=60, default="{prefix}公示〔{year}〕{seq}号")
    notice_prefix = models.CharField(_("公示编号前缀"), max_length=20, blank=True)
    notice_text_zh = models.TextField(
        _("公示正文"), blank=True,
        help_text=_("公示的说明文字；公示期、异议方式由系统按规则自动补充。"))
    approver_title_zh = models.CharField(_("审批机构名称"), max_length=100, default="审批机构",
                                         help_text=_("如：理事会、工信局。"))
    certificate_issuer_zh = models.CharField(_("发证机构名称"), max_length=200, blank=True)
    proposal_reminder_workdays = models.PositiveSmallIntegerField(
        _("季度末建议提醒提前量（工作日）"), default=10,
        help_text=_("季度结束前多少个工作日再次提醒尚未提交建议的专家。"))
    exit_response_workdays = models.PositiveSmallIntegerField(
        _("出库核实陈述期（工作日）"), default=5,
        help_text=_("核实出库情形时，专家本人可在此期限内陈述意见。"))

    class Meta:
        verbose_name = _("专家库设置")
        verbose_name_plural = _("专家库设置")

    def __str__(self):
        return str(self.body)


class Sequence(models.Model):
    """Per-body, per-year counters for document numbers (locked with SELECT … FOR UPDATE)."""

    body = models.ForeignKey("portal.Body", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["body", "kind", "year"], name="sequence_unique")]


class ExpertField(models.Model):
    """A node of a body's field-of-expertise tree (专业领域)."""

    body = models.ForeignKey("portal.Body", on_delete=models.CASCADE, related_name="expert_fields")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    code = models.CharField(_("代码"), max_length=40)
    name_zh = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["body", "order", "code"]
        verbose_name = _("专业领域")
        verbose_name_plural = _("专业领域")
        constraints = [models.UniqueConstraint(fields=["body", "code"], name="expert_field_code_unique")]

    def __str__(self):
        return self.name

    @property
    def name(self):
        return _localized(self, "name")


class EligibilityRule(models.Model):
    """One eligibility condition of a body, as data. Rules with the same `group` are
    alternatives (any one suffices); all groups must hold. Evaluated by experts.eligibility."""

    class Kind(models.TextChoices):
        MAX_AGE = "max_age", _("年龄上限")
        MIN_TITLE_LEVEL = "min_title_level", _("职称等级")
        EXECUTIVE_YEARS = "executive_years", _("企业高层管理年限")
        DEGREE_YEARS = "degree_years", _("学位及取得年限")
        LICENCE_YEARS = "licence_years", _("执业资格及年限")
        FIELD_YEARS = "field_years", _("特定行业从业年限")
        WORK_YEARS = "work_years", _("从业年限")

    body = models.ForeignKey("portal.Body", on_delete=models.CASCADE, related_name="eligibility_rules")
    group = models.SlugField(_("条件组"), max_length=40,
                             help_text=_("同一组内的条件满足其一即可；各组都须满足。"))
    kind = models.CharField(_("类型"), max_length=30, choices=Kind.choices)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    label_zh = models.CharField(_("条件说明"), max_length=200)
    label_en = models.CharField(_("条件说明（英文）"), max_length=200, blank=True)
    clause = models.CharField(_("出处"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["body", "order", "id"]
        verbose_name = _("入库条件")
        verbose_name_plural = _("入库条件")
        constraints = [models.CheckConstraint(condition=Q(kind__in=[
            "max_age", "min_title_level", "executive_years", "degree_years", "licence_years", "field_years",
            "work_years"]), name="eligibility_kind_valid")]

    def __str__(self):
        return self.label

    @property
    def label(self):
        return _localized(self, "label")


class TitleLevel(models.TextChoices):
    NONE = "none", _("无职称")
    JUNIOR = "junior", _("初级")
    INTERMEDIATE = "intermediate", _("中级")
    DEPUTY_SENIOR = "deputy_senior", _("副高级")
    SENIOR = "senior", _("正高级")


TITLE_RANK = {v: i for i, v in enumerate(TitleLevel.values)}


def normalize(text):
    """Case- and space-insensitive form used to compare unit and person names."""
    return re.sub(r"[ \t\n\r\u3000]+", "", str(text or "")).lower()


class Degree(models.TextChoices):
    NONE = "none", _("无学位")
    BACHELOR = "bachelor", _("学士")
    MASTER = "master", _("硕士")
    DOCTORATE = "doctorate", _("博士")


DEGREE_RANK = {v: i for i, v in enumerate(Degree.values)}


class ExpertProfile(models.Model):
    """A person's application data, reused across bodies. Private fields (ID number, phone,
    e-mail, address, birth date) never reach a public page: public views read the public
    snapshot stored on notice entries and certificates instead."""

    class Gender(models.TextChoices):
        MALE = "male", _("男")
        FEMALE = "female", _("女")

    class IdType(models.TextChoices):
        RESIDENT = "resident", _("居民身份证")
        PASSPORT = "passport", _("护照")
        HK_MACAO = "hk_macao", _("港澳居民来往内地通行证")
        TAIWAN = "taiwan", _("台湾居民来往大陆通行证")

    class EmployerType(models.TextChoices):
        GOVERNMENT = "government", _("机关")
        INSTITUTION = "institution", _("事业单位")
        UNIVERSITY = "university", _("高校、科研院所")
        ENTERPRISE = "enterprise", _("企业")
        ASSOCIATION = "association", _("社会组织")
        OTHER = "other", _("其他")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="expert_profile")
    # identity (private except name)
    name = models.CharField(_("姓名"), max_length=100)
    gender = models.CharField(_("性别"), max_length=10, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    id_type = models.CharField(_("证件类型"), max_length=20, choices=IdType.choices, default=IdType.RESIDENT)
    id_number = models.CharField(_("证件号码"), max_length=30, blank=True)
    # contact (private)
    phone = models.CharField(_("手机号码"), max_length=20, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    address = models.CharField(_("通讯地址"), max_length=300, blank=True)
    # work (public: employer, title)
    employer = models.CharField(_("工作单位"), max_length=200, blank=True)
    employer_type = models.CharField(_("单位性质"), max_length=20, choices=EmployerType.choices, blank=True)
    position = models.CharField(_("职务"), max_length=100, blank=True)
    is_executive = models.BooleanField(_("企业高层管理人员"), default=False)
    executive_since = models.PositiveSmallIntegerField(_("担任高层管理职务起始年份"), null=True, blank=True)
    title = models.CharField(_("专业技术职称"), max_length=100, blank=True)
    title_level = models.CharField(_("职称等级"), max_length=20, choices=TitleLevel.choices, default=TitleLevel.NONE)
    degree = models.CharField(_("最高学位"), max_length=20, choices=Degree.choices, default=Degree.NONE)
    degree_year = models.PositiveSmallIntegerField(_("取得学位年份"), null=True, blank=True)
    licence = models.CharField(_("国家执业资格"), max_length=100, blank=True)
    licence_year = models.PositiveSmallIntegerField(_("取得执业资格年份"), null=True, blank=True)
    work_since = models.PositiveSmallIntegerField(_("参加工作年份"), null=True, blank=True)
    region = models.CharField(_("所在地区"), max_length=100, blank=True)
    cv = models.TextField(_("个人简历"), blank=True)
    # declared interests (private; used for recusal in draws)
    recent_employers = models.JSONField(_("近年工作单位"), default=list, blank=True)
    close_relations = models.TextField(_("近亲属任职情况"), blank=True)
    shareholdings = models.TextField(_("持股及其他利益关系"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # normalized keys for the draw recusal checks (see normalize), kept in step on save():
    # name_key = normalize(name); employer_key = normalize(employer); recent_employer_keys =
    # normalize() of each recent employer, each wrapped in newlines ("\nkey\n": a key never
    # contains one); declared_key = normalize(close_relations + " " + shareholdings). The employer
    # keys (current and recent) are also rows of EmployerKey, which the draw's employer ground
    # looks up by index (sync_employer_keys).
    name_key = models.CharField(max_length=200, blank=True, db_index=True, editable=False)
    employer_key = models.CharField(max_length=400, blank=True, db_index=True, editable=False)
    recent_employer_keys = models.TextField(blank=True, editable=False)
    declared_key = models.TextField(blank=True, editable=False)

    KEY_FIELDS = ("name_key", "employer_key", "recent_employer_keys", "declared_key")
    EMPLOYER_SOURCES = {"employer", "recent_employers", "employer_key", "recent_employer_keys"}

    class Meta:
        verbose_name = _("专家个人信息")
        verbose_name_plural = _("专家个人信息")
        indexes = [
            # the draw's relation ground reads only the profiles that declared something
            models.Index(fields=["id"], condition=~Q(declared_key=""), name="profile_declared"),
        ]

    def __str__(self):
        return self.name

    def refresh_keys(self):
        """Recompute the recusal keys from the profile fields (call before bulk_create)."""
        self.name_key = normalize(self.name)
        recent = self.recent_employers if isinstance(self.recent_employers, list) else []
        self.employer_key = normalize(self.employer)
        self.recent_employer_keys = "".join(f"\n{normalize(r)}\n" for r in recent)
        self.declared_key = normalize(f"{self.close_relations or ''} {self.shareholdings or ''}")

    def employer_key_set(self):
        """The normalized current and recent employers (the EmployerKey rows of the profile)."""
        return {k for k in [self.employer_key, *self.recent_employer_keys.split("\n")] if k}

    def save(self, *args, **kwargs):
        self.refresh_keys()
        adding, update_fields = self._state.adding, kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, *self.KEY_FIELDS}
        super().save(*args, **kwargs)
        if adding or update_fields is None or set(update_fields) & self.EMPLOYER_SOURCES:
            sync_employer_keys(self)
        if not adding and (update_fields is None or set(update_fields) & COPY_SOURCES):
            sync_profile_copies(self)  # a new profile has no membership yet


class EmployerKey(models.Model):
    """One normalized employer of a profile, current or recent (ExpertProfile.employer_key_set):
    a draw's employer recusal ground is an index lookup of the reviewed units' keys here, not a
    test of every member. Kept in step by ExpertProfile.save (sync_employer_keys); bulk inserts
    add the rows themselves (experts.scale)."""

    profile = models.ForeignKey(ExpertProfile, on_delete=models.CASCADE, related_name="employer_keys")
    key = models.CharField(max_length=400)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["profile", "key"], name="employer_key_unique")]
        indexes = [models.Index(fields=["key", "profile"], name="employer_key_lookup")]

    def __str__(self):
        return self.key


def sync_employer_keys(profile):
    """Make the profile's EmployerKey rows its employer_key_set() (two queries)."""
    keys = sorted(profile.employer_key_set())
    EmployerKey.objects.filter(profile_id=profile.pk).exclude(key__in=keys).delete()
    EmployerKey.objects.bulk_create([EmployerKey(profile_id=profile.pk, key=k) for k in keys], ignore_conflicts=True)


# The profile fields a draw's conditions test, copied onto every membership of the profile
# (Expert) so that the pool query reads the member rows alone (experts.draws.pool.eligible_pool),
# and on PostgreSQL into the candidate index PoolEntry (by the triggers of migration 0009). Kept
# in step by sync_profile_copies, which ExpertProfile.save() calls whenever one of COPY_SOURCES is
# saved; a new membership copies them on insert (Expert.save); bulk inserts call
# Expert.copy_profile (experts.scale). The recusal grounds read the profile itself (its indexed
# keys and EmployerKey).
PROFILE_COPIES = ("title_level", "region", "employer_type")
COPY_SOURCES = set(PROFILE_COPIES)


def profile_copies(profile):
    """{field: value} of PROFILE_COPIES as they are on `profile`."""
    return {f: getattr(profile, f) for f in PROFILE_COPIES}


def sync_profile_copies(profile, **extra):
    """Copy the pool fields of `profile` onto all its memberships (any body, any status), in
    one UPDATE, with `extra` columns of Expert set in the same statement. Returns the count."""
    return Expert.objects.filter(profile_id=profile.pk).update(**profile_copies(profile), **extra)


class Expert(models.Model):
    """Membership of a body's pool (入库专家), created on admission."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("在库")
        LAPSED = "lapsed", _("聘期届满")
        EXITED = "exited", _("已出库")

    body = models.ForeignKey("portal.Body", on_delete=models.PROTECT, related_name="experts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships")
    profile = models.ForeignKey(ExpertProfile, on_delete=models.PROTECT, related_name="memberships")
    application = models.OneToOneField("experts.Application", on_delete=models.PROTECT, related_name="expert")
    fields = models.ManyToManyField(ExpertField, related_name="experts", blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    certificate_no = models.CharField(_("证书编号"), max_length=60, unique=True)
    term_start = models.DateField(_("聘期开始"))
    term_end = models.DateField(_("聘期结束"))
    admitted_at = models.DateTimeField(_("入库时间"))
    unanswered_streak = models.PositiveSmallIntegerField(
        _("连续未答复邀请次数"), default=0, help_text=_("答复任一邀请即清零。"))
    # public snapshot for the verification page (no personal data)
    public_name = models.CharField(max_length=100)
    public_employer = models.CharField(max_length=200, blank=True)
    public_title = models.CharField(max_length=100, blank=True)
    public_fields = models.CharField(max_length=300, blank=True)
    # copies of the profile's PROFILE_COPIES for the draw pool query (see sync_profile_copies)
    title_level = models.CharField(max_length=20, default=TitleLevel.NONE, editable=False)
    region = models.CharField(max_length=100, blank=True, editable=False)
    employer_type = models.CharField(max_length=20, blank=True, editable=False)

    class Meta:
        ordering = ["body", "certificate_no"]
        verbose_name = _("入库专家")
        verbose_name_plural = _("入库专家")
        constraints = [
            models.UniqueConstraint(fields=["body", "user"], condition=Q(status="active"),
                                    name="one_active_membership_per_body"),
            models.CheckConstraint(condition=Q(term_end__gt=models.F("term_start")), name="expert_term_positive"),
            models.CheckConstraint(condition=Q(status__in=["active", "lapsed", "exited"]), name="expert_status_valid"),
        ]
        indexes = [
            models.Index(fields=["body", "status"]),
            models.Index(fields=["body", "status", "certificate_no", "id"], name="expert_pool_order"),
        ]

    def __str__(self):
        return f"{self.public_name} ({self.certificate_no})"

    def copy_profile(self, profile=None):
        """Set the PROFILE_COPIES from `profile` (default: the membership's own; before bulk_create)."""
        for f, value in profile_copies(profile or self.profile).items():
            setattr(self, f, value)

    def save(self, *args, **kwargs):
        if self._state.adding and self.profile_id:
            self.copy_profile()  # a new membership starts with its profile's pool fields
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("experts:certificate-verify", args=[self.certificate_no])


class PoolEntry(models.Model):
    """The draw's candidate index (PostgreSQL): one row per field of every active membership, with
    the membership's condition columns. A draw with a field condition reads its candidates from
    the index (field, title level, expert) alone — a range of the index, no member row — instead
    of looking up every member that has the field. Written only by the database: the triggers of
    migration 0009 keep it equal to the active memberships' field links whatever writes them
    (services, bulk inserts, the admin, raw SQL); `manage.py pool_index --check` compares and
    `--rebuild` refills it. Empty elsewhere (SQLite reads the member rows)."""

    pk = models.CompositePrimaryKey("expert", "field")
    expert = models.ForeignKey(Expert, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False,
                               related_name="+")
    field = models.ForeignKey(ExpertField, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False,
                              related_name="+")
    profile = models.ForeignKey(ExpertProfile, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False,
                                related_name="+")
    title_level = models.CharField(max_length=20)
    region = models.CharField(max_length=100, blank=True)
    employer_type = models.CharField(max_length=20, blank=True)

    class Meta:
        indexes = [models.Index(fields=["field", "title_level", "expert"], include=["profile", "region", "employer_type"],
                                name="pool_entry_lookup")]


class PoolSize(models.Model):
    """Active memberships per body (PostgreSQL), kept by the same triggers: a draw's record
    commits how many members were considered, and counting 100 000 index entries costs more
    than the rest of the pool query."""

    body = models.OneToOneField("portal.Body", on_delete=models.DO_NOTHING, db_constraint=False, primary_key=True,
                                related_name="+")
    active = models.IntegerField(default=0)
