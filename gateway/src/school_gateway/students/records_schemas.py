"""Bodies of the student record's JSON API and page forms (hồ sơ học sinh, guardians, completeness).

Shapes and lengths are checked here; the rules (citizen ID, provinces, phone numbers, duplicate
CSDL IDs...) are the students service's, which names each bad field in Vietnamese.
"""

from __future__ import annotations

from marshmallow import validate

from school_gateway.errors import N_
from school_gateway.schemas import Boolean, Date, Integer, List, Nested, Schema, String, VnDate

GENDERS = ("male", "female")
_TOO_LONG = N_("Too long.")


def _text(limit: int, label: str, **extra: object) -> String:
    return String(
        load_default="", validate=validate.Length(max=limit, error=_TOO_LONG), metadata={"label": label, **extra}
    )


def _province(**extra: object) -> String:
    return _text(10, N_("Province or city"), **extra)


def _commune() -> String:
    return _text(200, N_("Commune or ward"))


def _detail() -> String:
    return _text(200, N_("House number, street, hamlet"))


def _full_name() -> String:
    return String(
        required=True, validate=validate.Length(max=200, error=_TOO_LONG), metadata={"label": N_("Full name")}
    )


def _gender() -> String:
    return String(
        required=True, validate=validate.OneOf(GENDERS, error=N_("Choose a gender.")), metadata={"label": N_("Gender")}
    )


class AddressSchema(Schema):
    province_code = _province(description="Code from the list of 34 provinces and cities.")
    commune = _commune()
    detail = _detail()


class RecordFieldsSchema(Schema):
    csdl_id = _text(30, N_("Education database student ID"))
    citizen_id = _text(
        20,
        N_("Citizen ID"),
        description="12 digits; masked to the last 4 unless the caller holds students:student:read_sensitive.",
    )
    ethnicity = _text(10, N_("Ethnic group"))
    religion = _text(50, N_("Religion"))
    nationality = _text(50, N_("Nationality"))
    place_of_birth = _text(200, N_("Place of birth"))
    permanent_address = Nested(AddressSchema, load_default=dict)
    current_address = Nested(AddressSchema, load_default=dict)
    policy_categories = List(String(validate=validate.Length(max=40, error=_TOO_LONG)), load_default=list)
    disability_type = _text(30, N_("Disability type"))
    has_iep = Boolean(load_default=False, metadata={"label": N_("Individual education plan")})


class UpdateRecordSchema(RecordFieldsSchema):
    expected_version = Integer(required=True, metadata={"label": N_("Version")})
    full_name = _full_name()
    date_of_birth = Date(required=True, metadata={"label": N_("Date of birth")})
    gender = _gender()


class GuardianInputSchema(Schema):
    full_name = _text(200, N_("Guardian's full name"))
    relation = _text(20, N_("Relation"))
    phone = _text(30, N_("Phone"))
    birth_year = _text(10, N_("Year of birth"))
    occupation = _text(200, N_("Occupation"))
    email = _text(254, N_("E-mail"))
    address = _text(300, N_("Address"))


class AddGuardianSchema(GuardianInputSchema):
    guardian_id = _text(
        64, N_("Existing guardian"), description="Link a guardian of a sibling instead of creating one."
    )


class UpdateGuardianSchema(GuardianInputSchema):
    expected_version = Integer(required=True, metadata={"label": N_("Version")})


class LinkAccountSchema(Schema):
    parent_account_id = String(
        required=True,
        validate=validate.Length(min=1, max=64, error=_TOO_LONG),
        metadata={"label": N_("Parent account")},
    )


class GuardianSchema(Schema):
    id = String(required=True)
    full_name = String(required=True)
    relation = String(required=True)
    phone = String(required=True)
    birth_year = Integer(required=True, metadata={"description": "0 when unknown."})
    occupation = String(required=True)
    email = String(required=True)
    address = String(required=True)
    parent_account_id = String(required=True)
    version = Integer(required=True)


class EnrolmentEntrySchema(Schema):
    class_id = String(required=True)
    class_name = String(required=True)
    grade_level = Integer(required=True)
    school_year_id = String(required=True)
    school_year_name = String(required=True)
    enrolled_on = Date(required=True, allow_none=True)
    left_on = Date(required=True, allow_none=True)


class RecordStudentSchema(Schema):
    id = String(required=True)
    student_code = String(required=True)
    full_name = String(required=True)
    date_of_birth = Date(required=True, allow_none=True)
    gender = String(required=True)
    class_id = String(required=True)
    version = Integer(required=True)


class StudentRecordSchema(Schema):
    student = Nested(RecordStudentSchema, required=True)
    record = Nested(RecordFieldsSchema, required=True)
    guardians = List(Nested(GuardianSchema), required=True)
    enrolments = List(Nested(EnrolmentEntrySchema), required=True)
    sensitive_visible = Boolean(
        required=True,
        metadata={"description": "False: family, citizen ID, addresses, policy and disability are hidden."},
    )
    missing_fields = List(String(), required=True)
    editable = Boolean(required=True)


class StudentGapSchema(Schema):
    student_id = String(required=True)
    student_code = String(required=True)
    full_name = String(required=True)
    date_of_birth = Date(required=True, allow_none=True)
    missing_fields = List(String(), required=True)


class ClassCompletenessSchema(Schema):
    class_id = String(required=True)
    class_name = String(required=True)
    students = List(Nested(StudentGapSchema), required=True)
    total = Integer(required=True)
    complete = Integer(required=True)
    percent = Integer(required=True)
    required_fields = List(String(), required=True)


class ClassSummarySchema(Schema):
    class_id = String(required=True)
    class_name = String(required=True)
    grade_level = Integer(required=True)
    total = Integer(required=True)
    complete = Integer(required=True)
    percent = Integer(required=True)


class SchoolCompletenessSchema(Schema):
    classes = List(Nested(ClassSummarySchema), required=True)
    total = Integer(required=True)
    complete = Integer(required=True)
    percent = Integer(required=True)


class ChildSchema(RecordStudentSchema):
    """A parent's child: the student without the record's version."""

    class Meta:
        exclude = ("version",)


class ChildrenSchema(Schema):
    items = List(Nested(ChildSchema), required=True)


class ReferenceEntrySchema(Schema):
    code = String(required=True)
    name = String(required=True)


class RecordReferenceSchema(Schema):
    ethnic_groups = List(Nested(ReferenceEntrySchema), required=True)
    provinces = List(Nested(ReferenceEntrySchema), required=True)
    policy_categories = List(Nested(ReferenceEntrySchema), required=True)
    disability_types = List(Nested(ReferenceEntrySchema), required=True)
    guardian_relations = List(Nested(ReferenceEntrySchema), required=True)
    requirable_fields = List(Nested(ReferenceEntrySchema), required=True)


class RecordFormSchema(RecordFieldsSchema):
    """The record page's form: flat address inputs and the birth date typed as dd/mm/yyyy."""

    class Meta:
        exclude = ("permanent_address", "current_address", "policy_categories")

    expected_version = Integer(required=True, metadata={"label": N_("Version")})
    full_name = _full_name()
    date_of_birth = VnDate(required=True, metadata={"label": N_("Date of birth")})
    gender = _gender()
    permanent_province = _province()
    permanent_commune = _commune()
    permanent_detail = _detail()
    current_province = _province()
    current_commune = _commune()
    current_detail = _detail()


class LinkUsernameSchema(Schema):
    """The record page's link form: the parent account's username (the gateway looks up its id)."""

    username = String(
        required=True,
        validate=validate.Length(min=1, max=64, error=_TOO_LONG),
        metadata={"label": N_("Parent's username")},
    )
