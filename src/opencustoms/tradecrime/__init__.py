"""Trade-crime analytics: illegal FX, trade-based money laundering, hwanchigi crypto
laundering, inflated and circular trade, origin rerouting."""
