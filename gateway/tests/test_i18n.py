"""Languages: Vietnamese by default, English with ?lang=en (remembered), every message translated, dd/mm/yyyy dates."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask.testing import FlaskClient

from school_gateway.i18n import TRANSLATIONS, format_vn_date

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "school_gateway"


def test_sign_in_page_is_vietnamese_by_default(client: FlaskClient) -> None:
    response = client.get("/signin")
    html = response.text
    assert '<html lang="vi">' in html
    assert "<title>Đăng nhập — Trường Tiểu học Trung Vương</title>" in html
    assert '<label for="username">Tên đăng nhập' in html
    assert '<label for="password">Mật khẩu' in html
    assert 'href="#main"' in html  # skip link
    assert 'name="viewport"' in html


def test_english_on_request_and_remembered(client: FlaskClient) -> None:
    response = client.get("/signin?lang=en")
    assert '<html lang="en">' in response.text
    assert "<title>Sign in — Trường Tiểu học Trung Vương</title>" in response.text
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("tv_lang="))
    assert cookie.startswith("tv_lang=en;")
    assert "SameSite=Lax" in cookie
    # The next page, without ?lang, stays English; switching back works the same way.
    assert '<html lang="en">' in client.get("/signin").text
    assert '<html lang="vi">' in client.get("/signin?lang=vi").text
    assert '<html lang="vi">' in client.get("/signin").text


def test_unknown_language_falls_back_to_vietnamese(client: FlaskClient) -> None:
    assert '<html lang="vi">' in client.get("/signin?lang=fr").text


def test_signed_in_pages_in_both_languages(client: FlaskClient, signed_in: str) -> None:
    vi = client.get("/").text
    assert "Trang chủ" in vi
    assert "Đăng xuất" in vi
    assert "Xin chào, Nguyễn Văn Hiệu!" in vi
    assert '<abbr title="Hiệu trưởng">HT</abbr>' in vi
    en = client.get("/?lang=en").text
    assert "Home" in en
    assert "Sign out" in en
    assert "Hello, Nguyễn Văn Hiệu!" in en
    assert '<abbr title="Principal">HT</abbr>' in en
    assert 'href="/?lang=vi"' in en  # the language switch keeps the page


def test_every_message_has_a_vietnamese_translation() -> None:
    """Extract msgids from the code and templates; each needs a non-empty msgstr in the vi catalogue."""
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "N_": None, "ngettext": (1, 2), "lazy_gettext": None}
    found = {
        msg[2] if isinstance(msg[2], str) else msg[2][0]
        for msg in extract_from_dir(str(PACKAGE), method_map, keywords=keywords)
    }
    assert len(found) > 100
    with (TRANSLATIONS / "vi" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalogue = read_po(fh, locale="vi")
    missing = sorted(m for m in found if not (catalogue.get(m) and catalogue.get(m).string))
    assert missing == []
    assert catalogue.get("Class roster (grade book)").string == "Danh sách lớp (sổ điểm)"
    assert catalogue.get("This field is required.").string == "Trường này là bắt buộc"


def test_english_catalogue_has_every_message() -> None:
    with (TRANSLATIONS / "vi" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        vi = {m.id for m in read_po(fh) if m.id}
    with (TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        en = {m.id for m in read_po(fh) if m.id}
    assert vi == en


def test_dates_are_shown_day_month_year() -> None:
    assert format_vn_date("2017-06-15") == "15/06/2017"
    assert format_vn_date(dt.date(2025, 9, 5)) == "05/09/2025"
    assert format_vn_date("") == ""
    assert format_vn_date(None) == ""
    assert format_vn_date("not a date") == "not a date"


def test_no_external_urls_in_pages_or_styles() -> None:
    for path in [*PACKAGE.glob("templates/**/*.html"), *PACKAGE.glob("static/**/*.css")]:
        text = path.read_text(encoding="utf-8")
        assert "http://" not in text, path
        assert "https://" not in text, path
        assert "//cdn" not in text, path


def test_catalogue_template_is_current() -> None:
    """messages.pot matches the code, so `pybabel update` starts from the real msgids."""
    with (TRANSLATIONS / "messages.pot").open("rb") as fh:
        pot = {m.id for m in read_po(io.BytesIO(fh.read())) if m.id}
    with (TRANSLATIONS / "vi" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        vi = {m.id for m in read_po(fh) if m.id}
    assert pot == vi


NEW_PAGES = {
    "/account": ("Tài khoản của tôi", "My account"),
    "/step-up": ("Xác thực lại", "Confirm it is you"),
    "/staff": ("Hồ sơ CBGVNV", "Staff records"),
    "/staff/new": ("Thêm hồ sơ", "New staff record"),
    "/staff/import": ("Nhập hồ sơ cán bộ từ Excel", "Import staff records from Excel"),
    "/staff/export": ("Xuất hồ sơ cán bộ ra Excel", "Export staff records to Excel"),
    "/departments": ("Tổ chuyên môn", "Subject groups"),
    "/access/roles": ("Phân quyền", "Permissions"),
    "/access/assignments": ("Phân công", "Assignments"),
    "/access/accounts": ("Tài khoản người dùng", "User accounts"),
    "/access/review": ("Rà soát tài khoản", "Account review"),
    "/audit-log": ("Nhật ký hệ thống", "Audit log"),
}


def test_identity_pages_are_vietnamese_by_default_and_english_on_request(client: FlaskClient, signed_in: str) -> None:
    for path, (vi, _en) in NEW_PAGES.items():
        page = client.get(path)
        assert page.status_code == 200, path
        assert '<html lang="vi">' in page.text, path
        assert f"<title>{vi} — Trường Tiểu học Trung Vương</title>" in page.text, path
    for path, (_vi, en) in NEW_PAGES.items():
        page = client.get(f"{path}?lang=en")
        assert f"<title>{en} — Trường Tiểu học Trung Vương</title>" in page.text, path
    client.get("/?lang=vi")


def test_school_terms_in_the_vietnamese_catalogue() -> None:
    with (TRANSLATIONS / "vi" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalogue = read_po(fh, locale="vi")
    terms = {
        "Subject group": "Tổ chuyên môn",
        "Permissions": "Phân quyền",
        "Assignments": "Phân công",
        "Role": "Vai trò",
        "Permission": "Quyền",
        "Account review": "Rà soát tài khoản",
        "Audit log": "Nhật ký hệ thống",
        "Two-factor authentication": "Xác thực hai lớp",
        "Recovery code": "Mã khôi phục",
        "Disable account": "Khóa tài khoản",
        "Enable account": "Mở khóa tài khoản",
        "Set up two-factor authentication": "Thiết lập xác thực hai lớp",
        "Enter your authentication code": "Nhập mã xác thực",
        "First sign-in: change your password": "Đổi mật khẩu lần đầu",
    }
    for msgid, expected in terms.items():
        assert catalogue.get(msgid).string == expected, msgid
