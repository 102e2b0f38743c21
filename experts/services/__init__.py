"""Services of the expert pool: one function per verb (see ../shared/ARCHITECTURE.md).

applications (applicant: drafts, attachments, submit, withdraw), vetting (secretariat and
approver decisions), notices and objections (public notice, objections, closing), admission
(membership, certificate numbers, e-certificates). Shared helpers live in `common`.
"""
