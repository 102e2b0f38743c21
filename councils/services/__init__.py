"""Services of councils: one function per verb (see ../shared/ARCHITECTURE.md). Every one
takes a keyword-only `actor` (None = the system), an injectable `now`, locks its row, runs in
one transaction, writes an audit event and notifies after commit. Errors: `CouncilError`
(a ValidationError: show it on the form) or PermissionDenied.

Modules: membership (councils, units, unit applications, seats), meetings (meetings, agenda,
petitions), attendance (check-in/out, presence, quorum), votes (motions, ballots, tallies,
written votes, elections, recall, resolutions), minutes (draft, review, sign, distribute),
reminders (the beat tasks' services).

Notification templates (templates/notifications/<name>.txt; context: user, object, body, url
and the extra keys listed):
- council_seat_appointed        to the seat's holder/representative/substitute     object=Seat
- council_seat_ended           to the same people                                  object=Seat, reason
- council_unit_application     to the secretariat (manage_council)                 object=UnitApplication
- council_meeting_notified     to every seat holder                                object=Meeting, agenda_closes
- council_meeting_cancelled    to every seat holder                                object=Meeting, reason
- council_agenda_late          to the chair(s): a late item awaits approval        object=AgendaItem
- council_agenda_decided       to the proposer                                     object=AgendaItem
- council_petition_reached     to the chair(s) and the secretariat (once)          object=Petition, signed, units, needed
- council_written_vote_request to the chair(s): approve a written vote             object=Motion
- council_written_vote_opened  to every voter of the roster                        object=Motion, closes
- council_written_vote_reminder to voters who have not voted (once, 1 working day before)  object=Motion, closes
- council_motion_result        to every seat holder when a written vote closes     object=Motion, summary
- council_minutes_review       to the convener: minutes await the signature        object=Minutes
- council_minutes_distributed  to every seat holder                                object=Minutes
- council_missing_assembly     to the secretariat (December, once a year)          object=Council, year, held, required
"""
from .common import CouncilError

__all__ = ["CouncilError"]
