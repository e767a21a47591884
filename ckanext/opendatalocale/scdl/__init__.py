"""SCDL schemas: registry (shipped + synced), catalogue sync, CSV/XLSX templates.

Pure Python; the CKAN actions, views and CLI call into these modules.
"""
