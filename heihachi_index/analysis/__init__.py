"""Track analysis beyond the vector: emotion scores, beat grid, drum hits and patterns."""
