"""CSRF check for the suite's POST views, whatever CKAN's own exemptions."""
from __future__ import annotations

from flask import current_app, g


def check_csrf() -> None:
    """Raise flask-wtf's CSRFError unless a browser session's POST carries its token.

    CKAN 2.11 exempts extensions' views from CSRF checks by default, and CKAN
    2.12 exempts a view for good once an API-token or anonymous request has
    reached it: so our views check anyway. API-token and anonymous requests
    are exempt, as CKAN exempts them (they carry no session to ride on).
    """
    if g.get("login_via_auth_header") or not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    from ckan.config.middleware.flask_app import csrf

    csrf.protect()
