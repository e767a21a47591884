"""Converter from an agent's spreadsheet to a conformant SCDL file (see :mod:`.core`)."""
