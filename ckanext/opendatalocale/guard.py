"""Refuse requests carrying NUL characters, for the whole site, before any view runs.

PostgreSQL text cannot hold NUL, so such a value reaching a query is a 500
(psycopg2 raises ValueError) wherever it lands: search, dashboard, conformity
or CKAN's own pages. No form or API parameter ever needs one: the request is
answered 400 with a message, as CKAN answers other bad input.
"""
from __future__ import annotations

from typing import Any

_INSTALLED = "odl_refuse_nul"


def _has_nul(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return False


def _refuse_nul() -> Any:
    from flask import jsonify, request

    import ckan.plugins.toolkit as tk

    values = [request.path, list(request.args.lists()), request.view_args or {}]
    # CKAN's tracking middleware reads /_tracking's raw body itself, after the view.
    if request.method in ("POST", "PUT", "PATCH") and request.path != "/_tracking":
        values.append(list(request.form.lists()))
        values.append(request.get_json(silent=True))
    if not _has_nul(values):
        return None
    message = tk._("The request contains a NUL character, which no value may hold.")
    if request.path.startswith("/api/"):
        response = jsonify({"success": False, "error": {"__type": "Validation Error", "message": message}})
        response.status_code = 400
        return response
    return tk.abort(400, message)


def _bad_request(error: Any) -> Any:
    """A ValidationError no view caught (a filter, sort or identifier a page
    cannot use): the user's input, so 400 with what was wrong, not a 500."""
    from flask import current_app
    from werkzeug.exceptions import BadRequest

    import ckan.plugins.toolkit as tk

    # CKAN's own 400 page, as tk.abort gives (abort cannot be raised from a handler).
    message = tk._("Invalid request: {errors}").format(errors=error.error_summary)
    return current_app.handle_http_exception(BadRequest(message))


def install(app: Any) -> Any:
    """Register the checks once, whichever of the suite's plugins calls first."""
    import ckan.plugins.toolkit as tk

    if not app.extensions.get(_INSTALLED):
        app.extensions[_INSTALLED] = True
        app.before_request(_refuse_nul)
        app.register_error_handler(tk.ValidationError, _bad_request)
    return app


# Parameters of the suite's actions that take a structure, not a single value.
STRUCTURED_PARAMETERS = frozenset({"config"})
MAX_VALUE_CHARS = 10_000


def structured(*names: str) -> Any:
    """Decorator: these parameters of the action take lists or objects (its own
    schema validates them); the shape check leaves them alone."""
    def mark(action: Any) -> Any:
        action.odl_structured = frozenset(names)
        return action

    return mark


def _checked(action: Any) -> Any:
    """``action`` refusing, with a ValidationError (409), a list or object where
    a single value is expected, and values too long to be any identifier or text;
    numbers are passed as text, as a query string sends them."""
    import functools

    import ckan.plugins.toolkit as tk

    allowed = STRUCTURED_PARAMETERS | getattr(action, "odl_structured", frozenset())

    @functools.wraps(action)
    def checked(context: Any, data_dict: Any = None) -> Any:
        errors = {}
        data_dict = dict(data_dict or {})
        for key, value in data_dict.items():
            if key in allowed or key.startswith("__"):
                continue
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                data_dict[key] = str(value)  # as a query string would send it: ids are text
            elif isinstance(value, (list, dict)):
                errors[key] = [tk._("Must be a single value, not a list or an object")]
            elif isinstance(value, str) and len(value) > MAX_VALUE_CHARS:
                errors[key] = [tk._("Too long (at most {max} characters)").format(max=MAX_VALUE_CHARS)]
        if errors:
            raise tk.ValidationError(errors)
        return action(context, data_dict)

    return checked


def checked_actions(plugin_class: Any) -> Any:
    """Class decorator (above ``tk.blanket.actions``): every action of the
    plugin checks its parameters' shape first (chained actions keep CKAN's)."""
    registered = plugin_class.get_actions

    def get_actions(self: Any) -> dict[str, Any]:
        return {name: action if getattr(action, "chained_action", False) else _checked(action)
                for name, action in registered(self).items()}

    plugin_class.get_actions = get_actions
    return plugin_class
