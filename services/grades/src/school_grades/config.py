"""Settings of the grades service: the only module that reads the environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from school_grades.domain.gradebook import WindowSpec, parse_window_spec
from schoolkit.config import EnvSchema, fields, load_config, validate

SERVICE = "grades"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# Entry windows per period (domain-vn §3.6 puts GK1 in late Oct–mid Nov, CK1 before 18/1, GK2 in
# March, CN in May); [U] per school and Sở, so each school year's windows are editable and these
# are only the defaults: wide enough that a period never closes before its tests are marked.
DEFAULT_WINDOWS = "GK1=15/10-30/11,CK1=01/12-25/01,GK2=01/03-15/04,CN=01/05-30/06"


def _windows(value: str) -> bool:
    try:
        parse_window_spec(value)
    except ValueError as err:
        raise validate.ValidationError(str(err)) from None
    return True


class GradesEnv(EnvSchema):
    """Every variable the service reads, with its default; the field names are the variable names."""

    DATABASE_URL = fields.String(load_default="sqlite:///var/grades/grades.db")
    GRPC_BIND = fields.String(load_default="127.0.0.1:50053", validate=validate.Regexp(r"^.+:\d+$"))
    INTERNAL_TOKEN_PUBLIC_KEY_FILE = fields.String(load_default="var/keys/internal.pub")
    KAFKA_BOOTSTRAP_SERVERS = fields.String(load_default="127.0.0.1:9092")
    # Kafka's own defaults; against the local broker use 3000 / 6000, or the first poll waits
    # for the whole rebalance timeout (see the toolchain notes).
    KAFKA_MAX_POLL_INTERVAL_MS = fields.Integer(load_default=300_000, validate=validate.Range(min=1000))
    KAFKA_SESSION_TIMEOUT_MS = fields.Integer(load_default=45_000, validate=validate.Range(min=1000))
    LOG_LEVEL = fields.String(load_default="INFO", validate=validate.OneOf(LOG_LEVELS))
    METRICS_PORT = fields.Integer(load_default=0, validate=validate.Range(min=0, max=65535))
    # The grade book (issue 5).
    GRADEBOOK_WINDOWS = fields.String(load_default=DEFAULT_WINDOWS, validate=_windows)
    # Whoever entered or changed a result of a class's period may not lock it (domain-vn §8.1).
    LOCK_SEPARATION_OF_DUTIES = fields.Boolean(load_default=True)
    # Roles whose whole-school reach extends to grades (reading every class's results, printing
    # every học bạ). Identity gives a whole-school scope to every school-wide role (the librarian,
    # the nurse...), and a teacher may also hold one of those; grades keeps it only for these.
    GRADES_SCHOOL_WIDE_ROLES = fields.String(
        load_default="HT,PHT,VP", validate=validate.Regexp(r"^\s*[A-Z]+(\s*,\s*[A-Z]+)*\s*$")
    )
    # What a principal's "lên lớp" makes of a lớp 5 pupil who did not complete the grade ([U],
    # domain-vn §1.9): LEN_LOP keeps "Chưa hoàn thành chương trình lớp 5" on the học bạ next to
    # the decision; HOAN_THANH_CT_TIEU_HOC prints "Hoàn thành chương trình tiểu học" instead.
    RESULTS_GRADE5_PRINCIPAL_PROMOTION = fields.String(
        load_default="LEN_LOP", validate=validate.OneOf(("LEN_LOP", "HOAN_THANH_CT_TIEU_HOC"))
    )

    # Records (issue 5, ADR 0009): the font folder of the PDFs (DejaVu covers Vietnamese), the
    # school's signing certificate (PKCS#12) with its passphrase in a separate file, the CA that
    # verifies the signatures, the folder of archived files, and a JSON file of what each school
    # prints in its headings {"<school id>": {"name", "principal", "authority", "place"}}.
    RECORDS_FONT_DIR = fields.String(load_default="/usr/share/fonts/truetype/dejavu")
    RECORDS_SIGNING_P12_FILE = fields.String(load_default="var/keys/records-signing.p12")
    RECORDS_SIGNING_P12_PASSWORD_FILE = fields.String(load_default="var/keys/records-signing.pass")
    RECORDS_TRUST_ROOT_FILE = fields.String(load_default="var/keys/records-ca.pem")
    RECORDS_ARCHIVE_DIR = fields.String(load_default="var/grades/archive")
    RECORDS_SCHOOLS_FILE = fields.String(load_default="")
    # Fields the TT 27 year page may carry but domain-vn marks [U]: height/weight, days absent.
    RECORDS_SHOW_HEALTH = fields.Boolean(load_default=False)
    RECORDS_SHOW_DAYS_ABSENT = fields.Boolean(load_default=False)


@dataclass(frozen=True)
class Settings:
    database_url: str
    grpc_bind: str
    internal_token_public_key_file: str
    kafka_bootstrap_servers: str
    kafka_max_poll_interval_ms: int
    kafka_session_timeout_ms: int
    log_level: str
    metrics_port: int
    gradebook_windows: str = DEFAULT_WINDOWS
    lock_separation_of_duties: bool = True
    grades_school_wide_roles: str = "HT,PHT,VP"
    results_grade5_principal_promotion: str = "LEN_LOP"
    records_font_dir: str = "/usr/share/fonts/truetype/dejavu"
    records_signing_p12_file: str = "var/keys/records-signing.p12"
    records_signing_p12_password_file: str = "var/keys/records-signing.pass"  # noqa: S105 - a file's path
    records_trust_root_file: str = "var/keys/records-ca.pem"
    records_archive_dir: str = "var/grades/archive"
    records_schools_file: str = ""
    records_show_health: bool = False
    records_show_days_absent: bool = False

    @property
    def windows(self) -> WindowSpec:
        return parse_window_spec(self.gradebook_windows)


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read and check the environment; ConfigError lists every bad variable at once."""
    raw = load_config(GradesEnv, SERVICE, environ)
    return Settings(**{name.lower(): value for name, value in raw.items()})
