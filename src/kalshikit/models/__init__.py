"""kalshikit.models."""
