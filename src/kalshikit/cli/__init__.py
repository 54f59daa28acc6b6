"""kalshikit.cli."""
