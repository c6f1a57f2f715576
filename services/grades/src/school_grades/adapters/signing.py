"""PAdES signatures on the records with pyHanko: the school's certificate signs, a trust root checks.

The certificate and its key come from a PKCS#12 file; its passphrase is read from a separate file
so it never sits in the environment or a log line. ``generate_demo_certificate`` makes a
self-made CA and a school certificate for ``make run`` and the tests; a real school uses the
organisation certificate issued by its CA (for public schools the VGCA, domain-vn §2.4).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

SIGNATURE_FIELD = "ChuKyNhaTruong"


class SigningConfigError(RuntimeError):
    """The signing certificate or its passphrase cannot be loaded (the message names the file, never the secret)."""


@dataclass(frozen=True)
class SignatureCheck:
    """The verdict on one PDF: every signature intact, trusted and covering the whole file."""

    valid: bool
    signatures: int
    signer: str = ""  # the signing certificate's subject, as the PDF carries it
    problem: str = ""  # Vietnamese, shown to the principal


class PadesSigner:
    """Signs PDFs as the school (PAdES baseline B, the file's whole byte range covered)."""

    def __init__(self, p12_file: str | Path, password_file: str | Path, *, reason: str = "Lưu trữ hồ sơ") -> None:
        p12, secret = Path(p12_file), Path(password_file)
        if not p12.is_file():
            raise SigningConfigError(f"RECORDS_SIGNING_P12_FILE: {p12} does not exist")
        if not secret.is_file():
            raise SigningConfigError(f"RECORDS_SIGNING_P12_PASSWORD_FILE: {secret} does not exist")
        passphrase = secret.read_bytes().strip()
        signer = signers.SimpleSigner.load_pkcs12(str(p12), passphrase=passphrase)
        if signer is None:  # pyHanko logs the cause and returns None rather than raising
            raise SigningConfigError(
                f"RECORDS_SIGNING_P12_FILE: {p12} cannot be opened with the passphrase in {secret}"
            )
        self._signer = signer
        self._reason = reason
        self.subject = signer.signing_cert.subject.human_friendly

    def sign(self, pdf: bytes) -> bytes:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        meta = signers.PdfSignatureMetadata(
            field_name=SIGNATURE_FIELD, subfilter=fields.SigSeedSubFilter.PADES, reason=self._reason
        )
        out = signers.sign_pdf(writer, meta, signer=self._signer)
        return bytes(out.getvalue())


class PadesValidator:
    """Checks records' signatures against the configured trust root (the school's CA certificate)."""

    def __init__(self, trust_root_file: str | Path) -> None:
        path = Path(trust_root_file)
        if not path.is_file():
            raise SigningConfigError(f"RECORDS_TRUST_ROOT_FILE: {path} does not exist")
        self._roots = _load_certificates(path.read_bytes())
        if not self._roots:
            raise SigningConfigError(f"RECORDS_TRUST_ROOT_FILE: {path} holds no certificate")

    def check(self, pdf: bytes) -> SignatureCheck:
        try:
            reader = PdfFileReader(io.BytesIO(pdf))
            signatures = reader.embedded_signatures
        except Exception:  # noqa: BLE001 - any unreadable file is simply "not a valid signed record"
            return SignatureCheck(False, 0, problem="Tệp không đọc được như một tệp PDF")
        if not signatures:
            return SignatureCheck(False, 0, problem="Tệp chưa được ký số")
        signer = ""
        for embedded in signatures:
            context = ValidationContext(trust_roots=self._roots)
            try:
                status = validate_pdf_signature(embedded, context)
            except Exception:  # noqa: BLE001 - a damaged signature structure is an invalid signature
                return SignatureCheck(False, len(signatures), problem="Chữ ký số bị hỏng")
            signer = status.signing_cert.subject.human_friendly if status.signing_cert else ""
            if not status.intact:
                return SignatureCheck(False, len(signatures), signer, "Nội dung tệp đã bị thay đổi sau khi ký")
            if not status.valid:
                return SignatureCheck(False, len(signatures), signer, "Chữ ký số không hợp lệ")
            if not status.trusted:
                return SignatureCheck(False, len(signatures), signer, "Chứng thư số không thuộc nơi cấp tin cậy")
            if embedded.coverage is None or embedded.coverage.name != "ENTIRE_FILE":
                return SignatureCheck(False, len(signatures), signer, "Có nội dung được thêm vào sau khi ký")
        return SignatureCheck(True, len(signatures), signer)


def _load_certificates(data: bytes) -> list[asn1_x509.Certificate]:
    certs = x509.load_pem_x509_certificates(data) if b"-----BEGIN" in data else [x509.load_der_x509_certificate(data)]
    return [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in certs]


# -- the demo certificate ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoCertificate:
    p12_file: Path
    password_file: Path
    trust_root_file: Path


def generate_demo_certificate(
    folder: str | Path, *, school_name: str = "Trường Tiểu học Demo", days: int = 3650
) -> DemoCertificate:
    """A self-made CA and a school signing certificate (ECDSA P-256) in ``folder``, kept if present.

    For the demo and the tests only: a signature by it is valid against its own CA and nothing else.
    """
    import secrets

    out = Path(folder)
    result = DemoCertificate(out / "records-signing.p12", out / "records-signing.pass", out / "records-ca.pem")
    if result.p12_file.exists() and result.password_file.exists() and result.trust_root_file.exists():
        return result
    out.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC) - timedelta(minutes=5)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "CA thử nghiệm hồ sơ trường học (demo)")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, school_name),
            x509.NameAttribute(NameOID.COMMON_NAME, school_name),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(cert_sign=False), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    passphrase = secrets.token_urlsafe(24).encode()
    bundle = pkcs12.serialize_key_and_certificates(
        b"records-signing", key, cert, [ca], serialization.BestAvailableEncryption(passphrase)
    )
    for path, data in (
        (result.password_file, passphrase),
        (result.p12_file, bundle),
        (result.trust_root_file, ca.public_bytes(serialization.Encoding.PEM)),
    ):
        path.write_bytes(data)
        path.chmod(0o600 if path != result.trust_root_file else 0o644)
    return result


def _usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=not cert_sign,  # non-repudiation: the school stands by the record
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )
