"""One helper over openpyxl for every export (write-only mode, constant memory)."""
from io import BytesIO

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font


def workbook_bytes(title, headers, rows):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=str(title)[:31])
    header_cells = []
    for h in headers:
        c = WriteOnlyCell(ws, value=str(h))
        c.font = Font(bold=True)
        header_cells.append(c)
    ws.append(header_cells)
    for row in rows:
        ws.append([_cell(v) for v in row])
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell(value):
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, (dict, list)):
        import json

        return json.dumps(value, ensure_ascii=False)
    return value if value is None or isinstance(value, (int, float)) else str(value)


def xlsx_response(filename, title, headers, rows):
    resp = HttpResponse(
        workbook_bytes(title, headers, rows),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    resp["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp
