"""kalshikit.scanner."""
