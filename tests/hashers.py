"""A password hasher for the tests: Django's PBKDF2 with fewer iterations."""

from __future__ import annotations

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class FastPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """PBKDF2-SHA256 at 1,000 iterations instead of 1,000,000.

    Same algorithm name and format, and the iterations are part of each hash, so
    servers and commands started by the tests (with the real settings) still
    verify these passwords.
    """

    iterations = 1000
