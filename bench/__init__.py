"""Performance measurements of the observatory (`make bench`), kept out of the
test suite: timings vary by machine, so they are printed, never asserted."""
