"""Benchmarks: `make bench`. Not part of the test suite; they print what they measured."""
