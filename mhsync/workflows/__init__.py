"""Use-cases: each CLI command calls exactly one function from here."""
