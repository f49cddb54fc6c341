"""Tariff and tax engine: dated rates, duty and tax calculation, US tariff exposure."""
