"""AttendanceService servicer: permission and class checks, protobuf ⇄ use cases."""

from __future__ import annotations

from datetime import datetime

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from school.students.v1 import attendance_pb2, attendance_pb2_grpc
from school_students.adapters.attendance_workbook import monthly_workbook
from school_students.api import permissions as perm
from school_students.api.errors import domain_errors
from school_students.api.servicer import authorise, ensure_class_in_scope, ensure_student_in_scope
from school_students.app.attendance import AttendanceUseCases, DaySheet, SaveDay
from school_students.app.attendance_ports import Recorder
from school_students.domain.attendance import Mark
from school_students.events.attendance_outbound import RULE_TO_PROTO, counts_message
from schoolkit.grpc_errors import ForbiddenError
from schoolkit.grpc_server import current_caller

SERVICE_NAME = attendance_pb2.DESCRIPTOR.services_by_name["AttendanceService"].full_name
MARK_TO_PROTO = {
    Mark.PRESENT: attendance_pb2.ATTENDANCE_MARK_PRESENT,
    Mark.EXCUSED: attendance_pb2.ATTENDANCE_MARK_EXCUSED,
    Mark.UNEXCUSED: attendance_pb2.ATTENDANCE_MARK_UNEXCUSED,
    Mark.LATE: attendance_pb2.ATTENDANCE_MARK_LATE,
}
MARK_FROM_PROTO = {v: k for k, v in MARK_TO_PROTO.items()}


def _ts(value: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def day_message(sheet: DaySheet) -> attendance_pb2.ClassAttendanceDay:
    names = {m.student_id: m.full_name for m in sheet.members}
    message = attendance_pb2.ClassAttendanceDay(
        class_id=sheet.school_class.id,
        class_name=sheet.school_class.name,
        date=sheet.day.isoformat(),
        version=sheet.version,
        entries=[
            attendance_pb2.AttendanceEntry(
                student_id=m.student_id,
                student_code=m.student_code,
                full_name=m.full_name,
                mark=MARK_TO_PROTO[sheet.entries[m.student_id].mark],
                note=sheet.entries[m.student_id].note,
            )
            for m in sheet.members
        ],
        counts=counts_message(sheet.counts),
        corrections=[
            attendance_pb2.AttendanceCorrection(
                student_id=c.student_id,
                full_name=names.get(c.student_id, ""),
                old_mark=MARK_TO_PROTO[Mark(c.old)],
                new_mark=MARK_TO_PROTO[Mark(c.new)],
                reason=c.reason,
                corrected_by_name=c.corrected_by_name,
                corrected_at=_ts(c.corrected_at),
            )
            for c in sheet.corrections
        ],
    )
    if sheet.recorded is not None:
        message.recorded_by_name = sheet.recorded.recorded_by_name
        message.recorded_at.CopyFrom(_ts(sheet.recorded.recorded_at))
        message.updated_by_name = sheet.recorded.updated_by_name
        message.updated_at.CopyFrom(_ts(sheet.recorded.updated_at))
    return message


class AttendanceServicer(attendance_pb2_grpc.AttendanceServiceServicer):
    """Reading needs students:attendance:read, saving students:attendance:write; both need the
    class within the caller's assignments (a GVCN reaches their own class)."""

    def __init__(self, use_cases: AttendanceUseCases) -> None:
        self._uc = use_cases

    def register(self, server: grpc.Server) -> str:
        attendance_pb2_grpc.add_AttendanceServiceServicer_to_server(self, server)
        return SERVICE_NAME

    def GetClassAttendance(
        self, request: attendance_pb2.GetClassAttendanceRequest, context: grpc.ServicerContext
    ) -> attendance_pb2.GetClassAttendanceResponse:
        school_id = authorise(perm.ATTENDANCE_READ)
        ensure_class_in_scope(request.class_id)
        with domain_errors():
            sheet = self._uc.get_day(school_id, request.class_id, request.date)
        return attendance_pb2.GetClassAttendanceResponse(day=day_message(sheet))

    def SaveClassAttendance(
        self, request: attendance_pb2.SaveClassAttendanceRequest, context: grpc.ServicerContext
    ) -> attendance_pb2.SaveClassAttendanceResponse:
        school_id = authorise(perm.ATTENDANCE_WRITE)
        ensure_class_in_scope(request.class_id)
        caller = current_caller()
        # Taking attendance is the homeroom teacher's duty: teaching a subject in the class is not enough.
        if not caller.is_homeroom_of(request.class_id):
            message = "Chỉ giáo viên chủ nhiệm của lớp được điểm danh lớp này"
            raise ForbiddenError(message, {"class_id": message})
        marks = {m.student_id: (MARK_FROM_PROTO.get(m.mark), m.note) for m in request.marks}
        with domain_errors():
            sheet, changed = self._uc.save_day(
                SaveDay(
                    school_id=school_id,
                    class_id=request.class_id,
                    date=request.date,
                    expected_version=request.expected_version,
                    marks=marks,
                    correction_reason=request.correction_reason,
                    by=Recorder(caller.subject, caller.full_name or caller.username or caller.subject),
                )
            )
        return attendance_pb2.SaveClassAttendanceResponse(day=day_message(sheet), changed=changed)

    def GetMonthlyAttendance(
        self, request: attendance_pb2.GetMonthlyAttendanceRequest, context: grpc.ServicerContext
    ) -> attendance_pb2.GetMonthlyAttendanceResponse:
        school_id = authorise(perm.ATTENDANCE_READ)
        ensure_class_in_scope(request.class_id)
        with domain_errors():
            sheet = self._uc.month(school_id, request.class_id, request.month)
        return attendance_pb2.GetMonthlyAttendanceResponse(
            class_id=sheet.school_class.id,
            class_name=sheet.school_class.name,
            month=sheet.month,
            days=[
                attendance_pb2.MonthlyDay(date=d.isoformat(), recorded=recorded, counts=counts_message(counts))
                for d, recorded, counts in sheet.days
            ],
            rows=[
                attendance_pb2.MonthlyRow(
                    student_id=member.student_id,
                    student_code=member.student_code,
                    full_name=member.full_name,
                    marks=[
                        MARK_TO_PROTO[c] if c is not None else attendance_pb2.ATTENDANCE_MARK_UNSPECIFIED for c in cells
                    ],
                    excused=totals.excused,
                    unexcused=totals.unexcused,
                    late=totals.late,
                )
                for member, cells, totals in sheet.rows
            ],
        )

    def ListAbsenceAlerts(
        self, request: attendance_pb2.ListAbsenceAlertsRequest, context: grpc.ServicerContext
    ) -> attendance_pb2.ListAbsenceAlertsResponse:
        school_id = authorise(perm.ATTENDANCE_READ)
        ensure_class_in_scope(request.class_id)
        with domain_errors():
            _, alerts = self._uc.alerts(school_id, request.class_id, current_caller().visible_class_ids())
        return attendance_pb2.ListAbsenceAlertsResponse(
            alerts=[
                attendance_pb2.AbsenceAlert(
                    alert_id=a.id,
                    student_id=a.student_id,
                    student_code=a.student_code,
                    full_name=a.full_name,
                    class_id=a.class_id,
                    class_name=a.class_name,
                    rule=RULE_TO_PROTO[a.rule],
                    raised_on=a.raised_on.isoformat(),
                    count=a.count,
                )
                for a in alerts
            ]
        )

    def GetStudentAttendance(
        self, request: attendance_pb2.GetStudentAttendanceRequest, context: grpc.ServicerContext
    ) -> attendance_pb2.GetStudentAttendanceResponse:
        school_id = authorise(perm.ATTENDANCE_READ)
        with domain_errors():
            current = self._uc.current_class(school_id, request.student_id)
            # Like GetStudent: the pupil is reached through their current class.
            ensure_student_in_scope(current)
            history = self._uc.history(school_id, request.student_id)
        return attendance_pb2.GetStudentAttendanceResponse(
            student_id=history.student_id,
            days=[
                attendance_pb2.StudentAttendanceDay(
                    date=d.day.isoformat(),
                    class_id=d.class_id,
                    class_name=d.class_name,
                    mark=MARK_TO_PROTO[Mark(d.mark)],
                    note=d.note,
                )
                for d in history.days
            ],
            excused=history.totals.excused,
            unexcused=history.totals.unexcused,
            late=history.totals.late,
        )

    def ExportMonthlyAttendance(
        self, request: attendance_pb2.ExportMonthlyAttendanceRequest, context: grpc.ServicerContext
    ) -> attendance_pb2.ExportMonthlyAttendanceResponse:
        school_id = authorise(perm.ATTENDANCE_READ)
        ensure_class_in_scope(request.class_id)
        with domain_errors():
            sheet = self._uc.month(school_id, request.class_id, request.month)
        name = "".join(c if c.isalnum() else "-" for c in sheet.school_class.name)
        return attendance_pb2.ExportMonthlyAttendanceResponse(
            workbook=monthly_workbook(sheet), filename=f"chuyen-can-{name}-{sheet.month}.xlsx"
        )
