"""The InfluxDB 1.x HTTP API (Tornado) and what its responses are made of."""
