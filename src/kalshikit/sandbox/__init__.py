"""kalshikit.sandbox."""
