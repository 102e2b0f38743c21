"""Admin for councils: read-mostly views for site admins. State changes go through the
services (the portal's pages); votes, ballots and signed minutes are read-only here."""
from django.contrib import admin

from .models import (AgendaItem, Attendance, Ballot, Candidate, Council, Meeting, MemberUnit, Minutes, Motion,
                     Petition, PetitionSignature, Resolution, Seat, UnitApplication)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Council)
class CouncilAdmin(admin.ModelAdmin):
    list_display = ["name_zh", "body", "kind", "number_prefix"]
    list_filter = ["body", "kind"]


@admin.register(MemberUnit)
class MemberUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "council", "status", "joined_on", "left_on", "leave_reason"]
    list_filter = ["council", "status"]
    search_fields = ["name", "short_name", "credit_code"]


@admin.register(UnitApplication)
class UnitApplicationAdmin(ReadOnlyAdmin):
    list_display = ["unit_name", "council", "status", "created_at"]
    list_filter = ["council", "status"]


@admin.register(Seat)
class SeatAdmin(ReadOnlyAdmin):
    list_display = ["council", "role", "holder", "unit", "representative", "substitute", "term_start", "term_end",
                    "status"]
    list_filter = ["council", "role", "status"]
    list_select_related = ["council", "holder", "unit", "representative", "substitute"]


class AgendaInline(admin.TabularInline):
    model = AgendaItem
    extra = 0
    can_delete = False
    readonly_fields = ["order", "title", "proposed_by", "submitted_at", "late", "status", "decided_by", "decided_at"]
    fields = readonly_fields


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ["title", "council", "kind", "mode", "starts_at", "status"]
    list_filter = ["council", "kind", "status"]
    inlines = [AgendaInline]


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdmin):
    list_display = ["meeting", "seat", "attendee", "as_substitute", "checked_in_at", "checked_out_at", "method"]
    list_filter = ["meeting__council", "method"]
    list_select_related = ["meeting", "seat", "attendee"]


class PetitionSignatureInline(admin.TabularInline):
    model = PetitionSignature
    extra = 0
    can_delete = False
    readonly_fields = ["unit", "signed_by", "signed_at"]


@admin.register(Petition)
class PetitionAdmin(ReadOnlyAdmin):
    list_display = ["council", "created_at", "status", "reached_at"]
    inlines = [PetitionSignatureInline]


class CandidateInline(admin.TabularInline):
    model = Candidate
    extra = 0
    can_delete = False
    readonly_fields = ["name", "user", "unit", "role"]


@admin.register(Motion)
class MotionAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "council", "kind", "status", "result", "opened_at", "closed_at"]
    list_filter = ["council", "kind", "status", "result"]
    inlines = [CandidateInline]


@admin.register(Ballot)
class BallotAdmin(ReadOnlyAdmin):
    """Open ballots only; choices of secret ballots are not listed."""

    list_display = ["motion", "seat", "cast_at", "changes"]
    list_select_related = ["motion", "seat"]


@admin.register(Minutes)
class MinutesAdmin(ReadOnlyAdmin):
    list_display = ["meeting", "status", "signed_by", "signed_at", "content_hash"]


@admin.register(Resolution)
class ResolutionAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "council", "public", "published_at"]
    list_filter = ["council", "public"]
