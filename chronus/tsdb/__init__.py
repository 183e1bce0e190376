"""Storage: the TSM1 engine pieces (WAL, cache; TSM files, index and store come later)."""
