"""Import and export declarations: the data model, column profiles and ingestion."""
