"""Territory reference data (collectivités, codes, outlines) and the legal obligation: pure Python, no CKAN import."""
