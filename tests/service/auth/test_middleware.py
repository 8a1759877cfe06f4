"""Which key a request presents, and which address it comes from."""

from __future__ import annotations

from starlette.types import Scope

from service.auth.middleware import client_address, presented_key, trusted_networks


def scope(path: str, peer: str = "10.0.0.9", **headers: str) -> Scope:
    raw = [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()]
    return {"type": "http", "path": path, "client": (peer, 5000), "headers": raw}


def test_v2_takes_deepl_auth_key_and_v1_takes_bearer() -> None:
    assert presented_key(scope("/v2/translate", authorization="DeepL-Auth-Key mt_a")) == "mt_a"
    assert presented_key(scope("/v1/translate", authorization="Bearer mt_b")) == "mt_b"
    assert presented_key(scope("/v1/documents", authorization="bearer  mt_c ")) == "mt_c"


def test_the_other_surfaces_scheme_or_none_presents_no_key() -> None:
    assert presented_key(scope("/v2/translate", authorization="Bearer mt_a")) is None
    assert presented_key(scope("/v1/translate", authorization="DeepL-Auth-Key mt_a")) is None
    assert presented_key(scope("/v1/translate", authorization="Bearer ")) is None
    assert presented_key(scope("/v1/translate")) is None


def test_x_forwarded_for_counts_only_from_a_trusted_proxy() -> None:
    proxies = trusted_networks(["10.0.0.0/24"])
    forged = scope("/v1/translate", peer="198.51.100.7", x_forwarded_for="203.0.113.1")
    assert client_address(forged, proxies) == "198.51.100.7"
    proxied = scope("/v1/translate", peer="10.0.0.9", x_forwarded_for="203.0.113.1, 10.0.0.3")
    assert client_address(proxied, proxies) == "203.0.113.1"
    spoofed = scope("/v1/translate", x_forwarded_for="1.2.3.4, 203.0.113.5")
    assert client_address(spoofed, proxies) == "203.0.113.5"  # what the proxy saw, not the claim
    assert client_address(scope("/v1/translate"), proxies) == "10.0.0.9"
    assert client_address(proxied, []) == "10.0.0.9"
