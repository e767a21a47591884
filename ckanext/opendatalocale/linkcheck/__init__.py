"""Resource availability (I9): a background link checker for the territories' resources."""
