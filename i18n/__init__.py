"""Data package: the suite's compiled gettext catalogues, installed as ``ckanext.opendatalocale.i18n``."""
