"""Background services of a data node: retention, CQs, shard precreation, monitor, subscriber."""
