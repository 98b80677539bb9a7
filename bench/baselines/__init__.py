"""Reference servers doing the same work as assistme's S1 and S2, for scale. Never imported by src/."""
