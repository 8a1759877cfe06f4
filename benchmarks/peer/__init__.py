"""Peer benchmarks: this service against another server running the same model."""
