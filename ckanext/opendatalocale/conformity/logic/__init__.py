"""Actions and auth functions of the conformity feature."""
