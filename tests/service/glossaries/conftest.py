"""Glossary tests share the real redis-server fixture of the document job tests."""

from tests.service.documents.test_jobs import redis_url

__all__ = ["redis_url"]
