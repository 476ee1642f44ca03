"""Guards against hostile or broken servers: SSRF destinations and decompression bombs."""
from __future__ import annotations

import ipaddress
import socket
import zlib

try:
    import brotli
except ImportError:  # brotli is optional; without it we simply do not advertise "br"
    brotli = None


class FetchRefused(Exception):
    """A fetch stopped on purpose; `reason` is the Reject reason."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def is_allowed_private(host: str, address: ipaddress._BaseAddress, allow_private: tuple[str, ...]) -> bool:
    for entry in allow_private:
        if entry.lower() == host.lower():
            return True
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def resolve_public_address(host: str, port: int, allow_private: tuple[str, ...]) -> str:
    """Resolve `host` and return an address safe to connect to, or raise FetchRefused("ssrf_blocked").

    Every resolved address must be public: a name resolving to one public and one private address
    could be steered to the private one. The caller connects to the returned address itself so a
    second lookup (DNS rebinding) cannot swap it for a private one.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchRefused("dns_error", str(exc)) from exc
    addresses = []
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        # is_global is False for private, loopback, link-local (incl. cloud metadata 169.254.169.254),
        # carrier-grade NAT, multicast, reserved and unspecified ranges alike.
        if not address.is_global and not is_allowed_private(host, address, allow_private):
            raise FetchRefused("ssrf_blocked", f"{host} resolves to {address}")
        addresses.append(address)
    if not addresses:
        raise FetchRefused("dns_error", f"no address for {host}")
    return str(addresses[0])


def accepted_encodings() -> str:
    return "gzip, deflate, br" if brotli is not None else "gzip, deflate"


class BoundedDecoder:
    """Decodes a Content-Encoding stream chunk by chunk, refusing to produce more than `limit` bytes."""

    def __init__(self, encoding: str, limit: int):
        self.limit = limit
        self.produced = 0
        encoding = (encoding or "identity").strip().lower()
        if encoding in ("", "identity"):
            self._decode = lambda data: data
        elif encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
            self._decode = self._decode_zlib
        elif encoding == "deflate":
            self._zlib = None
            self._decode = self._decode_deflate
        elif encoding == "br" and brotli is not None:
            self._brotli = brotli.Decompressor()
            self._decode = self._decode_brotli
        else:
            raise FetchRefused("unsupported_encoding", encoding)

    def feed(self, data: bytes) -> bytes:
        try:
            out = self._decode(data)
        except FetchRefused:
            raise
        except Exception as exc:  # zlib.error, brotli.error: a corrupt stream, not a bomb
            raise FetchRefused("bad_encoding", str(exc)) from exc
        self.produced += len(out)
        if self.produced > self.limit:
            raise FetchRefused("decompression_bomb", f"more than {self.limit} bytes once decoded")
        return out

    def _decode_zlib(self, data: bytes) -> bytes:
        # max_length keeps one small compressed chunk from expanding into gigabytes in memory at once.
        out = self._zlib.decompress(data, self.limit - self.produced + 1)
        if self._zlib.unconsumed_tail:
            raise FetchRefused("decompression_bomb", f"more than {self.limit} bytes once decoded")
        return out

    def _decode_deflate(self, data: bytes) -> bytes:
        # "deflate" is zlib-wrapped by the standard and raw by many servers; decide on the first chunk.
        if self._zlib is None:
            wrapped = len(data) >= 2 and (data[0] & 0x0F) == 8 and ((data[0] << 8) | data[1]) % 31 == 0
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        return self._decode_zlib(data)

    def _decode_brotli(self, data: bytes) -> bytes:
        room = self.limit - self.produced + 1
        out = self._brotli.process(data, output_buffer_limit=room)
        if len(out) >= room or not self._brotli.can_accept_more_data():
            raise FetchRefused("decompression_bomb", f"more than {self.limit} bytes once decoded")
        return out


def gunzip_bounded(data: bytes, limit: int) -> bytes:
    """Gunzip a whole (already downloaded) file such as sitemap.xml.gz, within `limit` bytes."""
    return BoundedDecoder("gzip", limit).feed(data)
