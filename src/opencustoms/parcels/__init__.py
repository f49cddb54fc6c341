"""E-commerce parcels: list clearance screening (see docs/parcels-typologies.md)."""
