"""Actions and auth functions of the conversion feature."""
