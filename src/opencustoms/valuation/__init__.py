"""Valuation: unit-price benchmarks, under/over-valuation flags and revenue at risk."""
