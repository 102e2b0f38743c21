"""Forms of the working-day calendar page (site admins): mark one day, import a schedule."""
from pathlib import Path

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Hidden, Layout, Submit
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import CalendarDay

IMPORT_SUFFIXES = (".csv", ".ics", ".ical", ".txt")


class SetDayForm(forms.Form):
    action = "set_day"

    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                           input_formats=["%Y-%m-%d"])
    is_workday = forms.TypedChoiceField(
        label=_("类型"), choices=[("1", _("工作日（含调休上班）")), ("0", _("休息日（节假日）"))],
        coerce=lambda v: v == "1", widget=forms.RadioSelect)
    note = forms.CharField(label=_("说明"), max_length=200,
                           help_text=_("例如：国庆节、国庆节调休上班、本地停工。"))
    source = forms.ChoiceField(
        label=_("来源"), initial=CalendarDay.Source.LOCAL,
        choices=[(CalendarDay.Source.LOCAL.value, CalendarDay.Source.LOCAL.label),
                 (CalendarDay.Source.OFFICIAL.value, CalendarDay.Source.OFFICIAL.label)],
        help_text=_("选择“国务院办公厅通知”表示该日来自官方安排，该年即不再视为暂定。"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.form_id = "set-day-form"
        self.helper.layout = Layout(
            Hidden("action", self.action),
            "date", "is_workday", "note", "source",
            Submit("submit", _("保存")),
        )


class ImportScheduleForm(forms.Form):
    action = "import"

    file = forms.FileField(
        label=_("节假日安排文件"),
        help_text=_("CSV：表头 date,is_workday,note，每行一天（is_workday 填 1/0、是/否 或 工作日/休息日）；"
                    "或 ICS 日历文件：标题含“休/假”的事件为休息日，含“班/上班/补班”的为调休上班日。"))
    fmt = forms.ChoiceField(
        label=_("格式"), required=False, initial="",
        choices=[("", _("按扩展名自动识别")), ("csv", "CSV"), ("ics", "ICS (iCalendar)")])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.form_id = "import-form"
        self.helper.attrs = {"enctype": "multipart/form-data"}
        self.helper.layout = Layout(
            Hidden("action", self.action),
            "file", "fmt",
            Submit("submit", _("导入")),
        )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = getattr(settings, "QUORUM_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
        if upload.size > limit:
            raise forms.ValidationError(_("文件过大（上限 %(mb)s MB）。") % {"mb": limit // (1024 * 1024)})
        if Path(upload.name or "").suffix.lower() not in IMPORT_SUFFIXES:
            raise forms.ValidationError(_("请上传 .csv 或 .ics 文件。"))
        return upload
