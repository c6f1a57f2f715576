"""The học bạ as a real PDF: Vietnamese text comes back exactly, page 1 looks like a page, and the
PAdES signature validates against the school's CA and fails after a single changed byte."""

from __future__ import annotations

import io
import subprocess
from datetime import date
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from school_grades.adapters.pdf_reportlab import FontError, ReportLabRecords
from school_grades.adapters.signing import (
    DemoCertificate,
    PadesSigner,
    PadesValidator,
    SigningConfigError,
    generate_demo_certificate,
)
from school_grades.domain.programme import Period, load_programme
from school_grades.domain.records import (
    Cell,
    ClassInfo,
    HocBaPage,
    Identity,
    Pupil,
    RecordsLayout,
    SchoolInfo,
    YearOutcomeInfo,
    build_class_summary,
    build_hoc_ba,
)

pytestmark = pytest.mark.integration

PROGRAMME = load_programme("2025-2026")
SCHOOL = SchoolInfo("school-a", "Trường Tiểu học Nguyễn Du", "Trần Văn Hiệu")
CLASS = ClassInfo("class-1", "3A", 3, "year-1", "2025-2026", "Lê Thị Hoa")
LAYOUT = RecordsLayout(authority="Phòng Giáo dục và Đào tạo quận Đống Đa", place="Hà Nội")
A4_AT_50_DPI = (414, 585)  # 210 × 297 mm


def page_for(pupil: Pupil, comment: str = "Em đọc to, rõ ràng; cần luyện thêm chữ viết hoa.") -> HocBaPage:
    cells = {s.code: Cell("T", 9, comment) for s in PROGRAMME.subjects_of(3, with_electives=False)}
    cells.update({code: Cell("Đ", None, "Mạnh dạn, tự tin khi phát biểu") for code in PROGRAMME.items})
    return build_hoc_ba(
        programme=PROGRAMME,
        school=SCHOOL,
        klass=CLASS,
        pupil=pupil,
        cells=cells,
        identity=Identity(
            pupil.full_name, "Nữ", pupil.date_of_birth, "Kinh", "Việt Nam", "Hà Nội", father_name="Nguyễn Văn Đức"
        ),
        outcome=YearOutcomeInfo("HTT", ("HS_TIEU_BIEU",), True),
        layout=LAYOUT,
        signed_on=date(2026, 5, 29),
    )


TUYET = Pupil("st-1", "HS000001", "Nguyễn Thị Ánh Tuyết", date(2017, 3, 1), "Nữ")


@pytest.fixture(scope="module")
def renderer() -> ReportLabRecords:
    return ReportLabRecords()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> DemoCertificate:
    return generate_demo_certificate(tmp_path_factory.mktemp("cert"), school_name="Trường Tiểu học Nguyễn Du")


@pytest.fixture(scope="module")
def hoc_ba(renderer: ReportLabRecords) -> bytes:
    return renderer.hoc_ba([page_for(TUYET)])


def text_of(pdf: bytes) -> str:
    """The PDF's text with line breaks and runs of spaces as single spaces (a long line wraps)."""
    return " ".join(" ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages).split())


def test_vietnamese_text_comes_back_exactly(hoc_ba: bytes) -> None:
    text = text_of(hoc_ba)
    for phrase in (
        "Nguyễn Thị Ánh Tuyết",
        "Hoàn thành tốt",
        "Phẩm chất",
        "Năng lực đặc thù",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "HỌC BẠ",
        "01/03/2017",
        "Hà Nội, ngày 29 tháng 05 năm 2026",
        "Hoàn thành chương trình lớp 3",
        "Học sinh Tiêu biểu",
        "Em đọc to, rõ ràng; cần luyện thêm chữ viết hoa.",
    ):
        assert phrase in text, phrase
    # poppler reads it the same way as pypdf (the fonts carry a correct Unicode map).
    poppler = subprocess.run(["pdftotext", "-", "-"], input=hoc_ba, capture_output=True, check=True).stdout
    assert "Nguyễn Thị Ánh Tuyết" in poppler.decode("utf-8")


def test_page_one_renders_as_an_a4_image_with_ink(hoc_ba: bytes, tmp_path: Path) -> None:
    pdf = tmp_path / "hoc_ba.pdf"
    pdf.write_bytes(hoc_ba)
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")], check=True)
    [png] = sorted(tmp_path.glob("p-*.png"))
    with Image.open(png) as image:
        assert image.size == A4_AT_50_DPI
        grey = image.convert("L")
        histogram = grey.histogram()
    dark = sum(histogram[:128])
    # Text and table lines, but mostly paper: a blank or a black page fails.
    assert 0.005 < dark / (grey.width * grey.height) < 0.3


def test_a_whole_class_is_one_pdf_with_every_pupil(renderer: ReportLabRecords) -> None:
    pupils = [TUYET, Pupil("st-2", "HS000002", "Trần Văn Bình"), Pupil("st-3", "HS000003", "Lê Hoàng Yến")]
    pdf = renderer.hoc_ba([page_for(p) for p in pupils])
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 3 * len(pupils)  # identity page and the year's two pages, per pupil
    text = text_of(pdf)
    assert [text.count(p.full_name) >= 2 for p in pupils] == [True] * 3  # identity page and year page


def test_class_summary_sheet(renderer: ReportLabRecords) -> None:
    pupils = [TUYET, Pupil("st-2", "HS000002", "Trần Văn Bình")]
    cells = {"st-1": {"TOAN": Cell("T", 10), "PC_NHAN_AI": Cell("Đ")}}
    sheet = build_class_summary(
        programme=PROGRAMME,
        school=SCHOOL,
        klass=CLASS,
        period=Period.CN,
        pupils=pupils,
        cells=cells,
        outcomes={"st-1": YearOutcomeInfo("HTXS", ("HS_XUAT_SAC",))},
        layout=LAYOUT,
    )
    reader = PdfReader(io.BytesIO(renderer.class_summary(sheet)))
    assert reader.pages[0].mediabox.width > reader.pages[0].mediabox.height  # landscape
    text = text_of(renderer.class_summary(sheet))
    for phrase in ("BẢNG TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ GIÁO DỤC CỦA LỚP", "Cuối năm học", "Trần Văn Bình", "HTXS"):
        assert phrase in text, phrase


def test_signature_validates_and_a_changed_byte_breaks_it(hoc_ba: bytes, certificate: DemoCertificate) -> None:
    signer = PadesSigner(certificate.p12_file, certificate.password_file)
    validator = PadesValidator(certificate.trust_root_file)
    signed = signer.sign(hoc_ba)
    check = validator.check(signed)
    assert check.valid, check.problem
    assert check.signatures == 1
    assert "Trường Tiểu học Nguyễn Du" in check.signer
    # One byte in the signed content (inside the page stream, well before the signature).
    tampered = bytearray(signed)
    tampered[len(hoc_ba) // 2] ^= 0x01
    broken = validator.check(bytes(tampered))
    assert not broken.valid
    assert broken.problem == "Nội dung tệp đã bị thay đổi sau khi ký"
    assert not validator.check(hoc_ba).valid  # unsigned
    assert validator.check(signed + b"%extra\n").problem == "Có nội dung được thêm vào sau khi ký"


def test_a_certificate_from_another_ca_is_not_trusted(
    hoc_ba: bytes, certificate: DemoCertificate, tmp_path: Path
) -> None:
    stranger = generate_demo_certificate(tmp_path / "other", school_name="Trường khác")
    signed = PadesSigner(stranger.p12_file, stranger.password_file).sign(hoc_ba)
    check = PadesValidator(certificate.trust_root_file).check(signed)
    assert not check.valid
    assert check.problem == "Chứng thư số không thuộc nơi cấp tin cậy"


def test_configuration_problems_are_clear_and_keep_the_secret(certificate: DemoCertificate, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.pass"
    wrong.write_text("not-the-passphrase")
    with pytest.raises(SigningConfigError) as info:
        PadesSigner(certificate.p12_file, wrong)
    assert "RECORDS_SIGNING_P12_FILE" in str(info.value)
    assert "not-the-passphrase" not in str(info.value)
    with pytest.raises(SigningConfigError, match="RECORDS_SIGNING_P12_FILE"):
        PadesSigner(tmp_path / "missing.p12", certificate.password_file)
    with pytest.raises(SigningConfigError, match="RECORDS_TRUST_ROOT_FILE"):
        PadesValidator(tmp_path / "missing.pem")
    with pytest.raises(FontError, match="RECORDS_FONT_DIR"):
        ReportLabRecords(tmp_path)
