"""The Touchline viewer."""
