"""Data package: the scheming schemas and the SCDL Table Schemas the suite ships.

Lives at the repository's top level and is installed as
``ckanext.opendatalocale.schemas`` (see setup.py), so scheming references read
``ckanext.opendatalocale.schemas:dataset.yaml`` in regular and editable installs.
"""
