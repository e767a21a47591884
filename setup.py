"""ckanext-opendatalocale: OpenDataFrance's OpenDataLocale programme for CKAN portals."""
from setuptools import find_namespace_packages, setup

# The ckan wheel and ckanext-harvest declare no runtime dependencies, so the
# ones the suite (and those two) really need are listed here.
install_requires = [
    "ckanext-harvest>=1.6.3,<1.7",
    "ckanext-scheming>=3.1.0,<4",
    "ckantoolkit>=0.0.7",
    "pika>=1.1,<1.3",
    "redis>=4",
    "requests>=2.31",
    "luqum>=1.0,<2",
    "frictionless>=5.18,<6",
    "frformat>=0.4,<1",
    "openpyxl>=3.1",
    "xlrd>=2.0",
    "rdflib>=7",
    "nh3>=0.2",
    "psycopg2>=2.9",
    "SQLAlchemy>=1.4",
    "click>=8",
    "PyYAML>=6",
    # Server-side PDF of the annual report (needs Debian's pango: scripts/pdf.sh).
    "weasyprint>=62",
]

setup(
    name="ckanext-opendatalocale",
    version="0.1.0",
    description="OpenDataLocale for CKAN: SCDL schemas, harvesters, conformity, ATD dashboard, "
    "PostgreSQL search without Solr",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="AGPL-3.0-or-later",
    python_requires=">=3.10",
    # schemas/ and i18n/ live at the repository's top level (the design card's
    # layout) and are installed inside the package.
    packages=find_namespace_packages(include=["ckanext", "ckanext.*"])
    + ["ckanext.opendatalocale.schemas", "ckanext.opendatalocale.i18n"],
    package_dir={
        "ckanext.opendatalocale.schemas": "schemas",
        "ckanext.opendatalocale.i18n": "i18n",
    },
    package_data={
        "ckanext.opendatalocale.schemas": ["*.yaml", "*.json", "*.md", "scdl/*.json", "scdl/*.md",
                                           "scdl/*/*/*"],
        "ckanext.opendatalocale.i18n": ["*.pot", "*/LC_MESSAGES/*.po", "*/LC_MESSAGES/*.mo"],
    },
    # Translation sources (i18n/fragments) are merged by scripts/build_i18n.py, not shipped.
    exclude_package_data={"ckanext.opendatalocale.i18n": ["fragments/*"]},
    include_package_data=True,
    zip_safe=False,
    install_requires=install_requires,
    # xlwt writes the real .xls workbook the converter's XLS test reads back with xlrd;
    # aiosmtpd is the reminders' local SMTP server; pypdf reads the annual report back.
    extras_require={"test": ["beautifulsoup4>=4.12", "freezegun>=1.5", "aiosmtpd>=1.4", "pypdf>=4",
                             "xlwt>=1.3"]},
    entry_points={
        "ckan.plugins": [
            "opendatalocale_search = ckanext.opendatalocale.search.plugin:SearchPlugin",
            "opendatalocale_dashboard = ckanext.opendatalocale.dashboard.plugin:DashboardPlugin",
            "opendatalocale_linkcheck = ckanext.opendatalocale.linkcheck.plugin:LinkCheckPlugin",
            "opendatalocale_observatory = ckanext.opendatalocale.observatory.plugin:ObservatoryPlugin",
            "opendatalocale_consolidation = ckanext.opendatalocale.consolidation.plugin:ConsolidationPlugin",
            "opendatalocale_scdl = ckanext.opendatalocale.scdl.plugin:ScdlPlugin",
            "opendatalocale_conformity = ckanext.opendatalocale.conformity.plugin:ConformityPlugin",
            "opendatalocale_convert = ckanext.opendatalocale.convert.plugin:ConvertPlugin",
            "opendatalocale_harvest = ckanext.opendatalocale.harvesters.plugin:HarvestPlugin",
            "opendatalocale_ods_harvester = ckanext.opendatalocale.harvesters.ods:OdsHarvester",
            "opendatalocale_datagouv_harvester = ckanext.opendatalocale.harvesters.datagouv:DatagouvHarvester",
            "opendatalocale_ckan_harvester = ckanext.opendatalocale.harvesters.ckan:CkanHarvester",
            "opendatalocale_dcat_harvester = ckanext.opendatalocale.harvesters.dcat:DcatHarvester",
            "opendatalocale_file_harvester = ckanext.opendatalocale.harvesters.files:FileHarvester",
        ],
        "babel.extractors": [
            "ckan = ckan.lib.extract:extract_ckan",
        ],
    },
    message_extractors={
        "ckanext": [
            ("**.py", "python", None),
            ("**.js", "javascript", None),
            ("**/templates/**.html", "ckan", None),
        ],
    },
)
