"""The resident-ID validator (GB 11643-1999) and the upload sniffer."""
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from experts.validators import resident_id_birth_date, sniff_upload, validate_resident_id
from tests.experts.factories import valid_resident_id

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 20
JPG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 40


def an_id_ending_in_x():
    for n in range(1000):
        number = valid_resident_id(seq=f"{n:03d}")
        if number.endswith("X"):
            return number
    raise AssertionError("no X check character in range")


def test_valid_resident_id_is_accepted_and_returned():
    number = valid_resident_id(date(1975, 6, 15), "123")
    assert validate_resident_id(number) == number


def test_lowercase_x_is_accepted_and_normalised():
    number = an_id_ending_in_x()
    assert validate_resident_id(number.lower()) == number
    assert validate_resident_id(f" {number[:6]} {number[6:].lower()} ") == number


def test_bad_checksum_is_refused():
    number = valid_resident_id()
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        validate_resident_id(wrong)
    assert exc.value.code == "id_checksum"


@pytest.mark.parametrize("birth", ["19751340", "19750230", "18991231"])
def test_bad_embedded_birth_date_is_refused(birth):
    base = f"440104{birth}123"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    number = base + "10X98765432"[sum(int(d) * w for d, w in zip(base, weights)) % 11]
    with pytest.raises(ValidationError) as exc:
        validate_resident_id(number)
    assert exc.value.code == "id_birth_date"


def test_birth_date_in_the_future_is_refused():
    number = valid_resident_id(date(2030, 1, 1))
    with pytest.raises(ValidationError) as exc:
        validate_resident_id(number, today=date(2026, 11, 25))
    assert exc.value.code == "id_birth_date"


@pytest.mark.parametrize("value", ["44010419750615123", "4401041975061512345", "44010419750615123A",
                                   "040104197506151234", ""])
def test_wrong_format_is_refused(value):
    with pytest.raises(ValidationError) as exc:
        validate_resident_id(value)
    assert exc.value.code == "id_format"


def test_embedded_birth_date_is_read():
    assert resident_id_birth_date(valid_resident_id(date(1961, 2, 28))) == date(1961, 2, 28)


@pytest.mark.parametrize("content, expected", [(PDF, "application/pdf"), (PNG, "image/png"), (JPG, "image/jpeg")])
def test_pdf_png_jpg_are_recognised_by_content(content, expected):
    upload = SimpleUploadedFile("whatever.bin", content, content_type="application/octet-stream")
    assert sniff_upload(upload) == expected
    assert upload.tell() == 0


def test_renamed_exe_is_refused_whatever_name_and_browser_type():
    upload = SimpleUploadedFile("证书.pdf", EXE, content_type="application/pdf")
    with pytest.raises(ValidationError) as exc:
        sniff_upload(upload)
    assert exc.value.code == "upload_type"


def test_file_over_the_limit_is_refused_and_at_the_limit_accepted(settings):
    settings.QUORUM_MAX_UPLOAD_BYTES = 1024
    at_limit = SimpleUploadedFile("a.pdf", PDF + b"0" * (1024 - len(PDF)))
    assert sniff_upload(at_limit) == "application/pdf"
    over = SimpleUploadedFile("b.pdf", PDF + b"0" * (1025 - len(PDF)))
    with pytest.raises(ValidationError) as exc:
        sniff_upload(over)
    assert exc.value.code == "upload_too_large"


def test_empty_file_is_refused():
    with pytest.raises(ValidationError) as exc:
        sniff_upload(SimpleUploadedFile("a.pdf", b""))
    assert exc.value.code == "upload_empty"
