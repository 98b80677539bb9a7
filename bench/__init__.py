"""Load scenarios and baselines for assistme (`make bench`). Not shipped, not imported by src/."""
