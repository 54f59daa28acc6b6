"""kalshikit.http."""
