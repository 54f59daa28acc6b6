"""kalshikit.http.resources."""
