from ckanext.opendatalocale.migration.alembic_env import run

run(__file__)
