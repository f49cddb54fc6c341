"""The synthetic trade world: format, intake of a world folder, generator."""
