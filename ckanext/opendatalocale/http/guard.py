"""The SSRF guard: no private, loopback, link-local, multicast or reserved
address unless configured.

The address check runs when the socket is opened, on the very address it
connects to, so a DNS answer cannot change between the check and the
connection (no time-of-check/time-of-use gap). The client mounts
:func:`_guarded_adapter` on its session for http and https.
"""
from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3 import connection as u3_connection
from urllib3 import connectionpool as u3_pool
from urllib3 import exceptions as u3_exc
from urllib3.util import connection as u3_util_connection

from .errors import ConnectionFailed, UnsafeURL


def _refused(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True for every address a harvester has no business reaching."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None and _refused(embedded):
            return True
    return (
        not ip.is_global
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


@dataclass(frozen=True)
class AddressGuard:
    allow_private: bool = False
    allowed_hosts: frozenset[str] = frozenset()

    def exempt(self, host: str) -> bool:
        return self.allow_private or host.lower().rstrip(".") in self.allowed_hosts

    def addresses(self, host: str, port: int) -> list[tuple[Any, ...]]:
        """Resolve ``host`` once; refuse it if any of its addresses is internal.

        Refusing on *any* address (not only the first) stops a name that
        answers both a public and a private record.
        """
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise ConnectionFailed("dns", host=host) from exc
        if not self.exempt(host):
            for info in infos:
                ip = ipaddress.ip_address(info[4][0].split("%")[0])
                if _refused(ip):
                    raise UnsafeURL("unsafe_url.private", url=f"//{host}", host=host, ip=str(ip))
        return infos


class _GuardedConnectionMixin:
    """Opens the socket on an address the guard accepted, at connect time."""

    guard: AddressGuard
    _dns_host: str
    port: int
    timeout: Any
    source_address: Any
    socket_options: Any

    def _new_conn(self) -> socket.socket:  # type: ignore[override]
        host = self._dns_host.rstrip(".")
        last_error: OSError | None = None
        for family, _type, _proto, _name, sockaddr in self.guard.addresses(host, self.port):
            try:
                # An IP literal: urllib3 does no further DNS lookup.
                return u3_util_connection.create_connection(
                    (sockaddr[0], sockaddr[1]), self.timeout,
                    source_address=self.source_address, socket_options=self.socket_options,
                )
            except socket.timeout as exc:
                raise u3_exc.ConnectTimeoutError(
                    self, f"Connection to {host} timed out. (connect timeout={self.timeout})"
                ) from exc
            except OSError as exc:
                last_error = exc
        raise u3_exc.NewConnectionError(self, f"Failed to establish a new connection: {last_error}")


def _guarded_adapter(guard: AddressGuard, pool_size: int) -> HTTPAdapter:
    http_conn = type("GuardedHTTPConnection", (_GuardedConnectionMixin, u3_connection.HTTPConnection),
                     {"guard": guard})
    https_conn = type("GuardedHTTPSConnection", (_GuardedConnectionMixin, u3_connection.HTTPSConnection),
                      {"guard": guard})
    http_pool = type("GuardedHTTPConnectionPool", (u3_pool.HTTPConnectionPool,), {"ConnectionCls": http_conn})
    https_pool = type("GuardedHTTPSConnectionPool", (u3_pool.HTTPSConnectionPool,),
                      {"ConnectionCls": https_conn})

    class GuardedAdapter(HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = {"http": http_pool, "https": https_pool}

    return GuardedAdapter(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)

