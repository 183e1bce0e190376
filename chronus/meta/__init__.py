"""The meta data model: databases, retention policies, shard groups and shards, users and privileges,
continuous queries, subscriptions and cluster nodes, as one deterministic state machine.

``data.Data`` holds the rules, ``commands`` are the only changes, ``store.LocalMetaStore`` persists them to
``meta.db`` (``metadb``, InfluxDB 1.6.7's own format) on a single node, ``client.MetaClient`` is what the
rest of the server talks to, and ``statements`` runs the InfluxQL meta statements.
"""
