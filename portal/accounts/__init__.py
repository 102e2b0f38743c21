"""Accounts: login by e-mail or mobile, registration with e-mail confirmation,
profile, password change and reset. The User model lives in portal.models.users."""
