"""Command-line tools: influxd (and, as they arrive, influxd-ctl, metad, metad-ctl)."""
