"""kalshikit.ws."""
