"""Trade-crime analytics: illegal FX, TBML, hwanchigi, inflated and circular trade, origin rerouting."""
