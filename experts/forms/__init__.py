"""Forms of the expert pool, one module per side (applicant, staff, notices)."""
