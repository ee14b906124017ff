"""Demo county data for the catalogue (written for this project) and the user dictionary."""
