"""One helper for every PDF: WeasyPrint from an HTML template with the Noto CJK fonts."""
import shutil
import subprocess

from django.conf import settings
from django.template.loader import render_to_string


def cjk_fonts_installed():
    """True when fontconfig knows a Noto CJK family (Debian: apt-get install fonts-noto-cjk)."""
    if not shutil.which("fc-list"):
        return False
    out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False).stdout
    return any(f in out for f in settings.QUORUM_PDF_FONTS)


def render_pdf(template, context, *, base_url=None):
    from weasyprint import HTML  # imported lazily: needs system libraries (pango)

    html = render_to_string(template, {**context, "pdf_fonts": settings.QUORUM_PDF_FONTS})
    return HTML(string=html, base_url=base_url or str(settings.BASE_DIR)).write_pdf()
