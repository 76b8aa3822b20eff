"""The pure domain: plan types, time expressions, units, periods and states. No I/O here."""
