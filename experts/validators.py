"""Input validators of the expert pool: the 18-digit resident ID number (GB 11643-1999)
and uploaded attachments (type by magic bytes, size limit)."""
import re
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

RESIDENT_ID_RE = re.compile(r"^[1-9]\d{16}[\dX]$")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"

# (content type, magic prefix); the first matching prefix decides.
_SIGNATURES = (
    ("application/pdf", b"%PDF-"),
    ("image/png", b"\x89PNG\r\n\x1a\n"),
    ("image/jpeg", b"\xff\xd8\xff"),
)
ALLOWED_CONTENT_TYPES = tuple(ct for ct, _magic in _SIGNATURES)


def normalize_resident_id(value):
    """Strip spaces and upper-case the check character (a lowercase x is common)."""
    return re.sub(r"\s", "", value or "").upper()


def resident_id_check_char(first17):
    return _CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, _WEIGHTS)) % 11]


def resident_id_birth_date(value):
    """The birth date embedded in a resident ID number (positions 7–14), or None."""
    value = normalize_resident_id(value)
    try:
        return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except (ValueError, IndexError):
        return None


def validate_resident_id(value, *, today=None):
    """Validate an 18-digit resident ID number: format, embedded birth date and the
    GB 11643 check character. Returns the normalised number."""
    value = normalize_resident_id(value)
    if not RESIDENT_ID_RE.match(value):
        raise ValidationError(_("居民身份证号码应为 18 位：前 17 位为数字，最后一位为数字或 X。"),
                              code="id_format")
    birth = resident_id_birth_date(value)
    today = today or date.today()
    if birth is None or birth.year < 1900 or birth > today:
        raise ValidationError(_("居民身份证号码中的出生日期（第 7–14 位）无效。"), code="id_birth_date")
    if resident_id_check_char(value[:17]) != value[17]:
        raise ValidationError(_("居民身份证号码校验位不正确，请核对后重新输入。"), code="id_checksum")
    return value


def sniff_upload(upload):
    """Check an uploaded file by its content, not its name or the browser's content type:
    PDF, JPG or PNG, not empty, at most settings.QUORUM_MAX_UPLOAD_BYTES. Returns the
    content type. The file position is left at the start."""
    limit = settings.QUORUM_MAX_UPLOAD_BYTES
    size = upload.size
    if size is None or size <= 0:
        raise ValidationError(_("文件为空，请重新选择。"), code="upload_empty")
    if size > limit:
        raise ValidationError(
            _("文件过大（%(size)s），单个文件不得超过 %(limit)s。") % {
                "size": _human_size(size), "limit": _human_size(limit)},
            code="upload_too_large")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for content_type, magic in _SIGNATURES:
        if head.startswith(magic):
            return content_type
    raise ValidationError(_("只接受 PDF、JPG 或 PNG 文件；该文件的内容不是这几种格式之一。"), code="upload_type")


def _human_size(n):
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} B"
