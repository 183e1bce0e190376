"""Cluster: points writer, shard mapping, replication, hinted handoff, gRPC services between nodes."""
