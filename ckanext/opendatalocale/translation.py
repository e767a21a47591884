"""One gettext catalogue for the whole suite, whichever plugins are enabled."""
from __future__ import annotations

from ckan.lib.plugins import DefaultTranslation

from .resources import data_dir

I18N_DIRECTORY = str(data_dir("i18n"))
DOMAIN = "ckanext-opendatalocale"


class SuiteTranslation(DefaultTranslation):
    """Mixin for feature plugins: ``p.implements(p.ITranslation)`` plus this."""

    def i18n_directory(self) -> str:
        return I18N_DIRECTORY

    def i18n_domain(self) -> str:
        return DOMAIN
