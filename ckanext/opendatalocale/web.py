"""What the suite's views share: the caller's action context and the page language."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk


def action_context() -> dict[str, Any]:
    """The context an action gets when a view calls it for the logged-in user (or a visitor)."""
    user = tk.current_user
    authenticated = bool(user) and user.is_authenticated
    return {"user": user.name if authenticated else "", "auth_user_obj": user if authenticated else None}


def language() -> str:
    """``fr`` or ``en``: the request's language, else (CLI, jobs) the site's default."""
    try:
        lang = tk.h.lang()
    except (RuntimeError, AttributeError, TypeError):
        lang = None
    lang = lang or tk.config.get("ckan.locale_default") or "fr"
    return "fr" if str(lang).startswith("fr") else "en"


def pick(message: dict[str, str] | str | None) -> str:
    """The text of a bilingual ``{"fr", "en"}`` message in the current language (French first)."""
    if message is None:
        return ""
    if not isinstance(message, dict):
        return str(message)
    return message.get(language()) or message.get("fr") or message.get("en") or ""
