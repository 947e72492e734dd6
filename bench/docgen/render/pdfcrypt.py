"""A small encrypted PDF written from scratch (standard security handler, RC4 128-bit, revision 3).

Chromium cannot encrypt and the project has no PDF library that writes, so
this writes the few objects of a one-page PDF itself and encrypts its strings
and content stream as PDF 1.4 readers expect (ISO 32000-1, 7.6.3, algorithms
1–5). Opening it needs the user password; readers must report it, not crash.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

# ISO 32000-1, 7.6.3.3: the padding of passwords.
_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")
_KEY_BYTES = 16
_PERMISSIONS = -3904  # print and copy forbidden (bits 3 and 5 clear), reserved bits set


def _rc4(key: bytes, data: bytes) -> bytes:
    state = list(range(256))
    j = 0
    for i in range(256):
        j = (j + state[i] + key[i % len(key)]) % 256
        state[i], state[j] = state[j], state[i]
    out = bytearray()
    i = j = 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + state[i]) % 256
        state[i], state[j] = state[j], state[i]
        out.append(byte ^ state[(state[i] + state[j]) % 256])
    return bytes(out)


def _padded(password: str) -> bytes:
    return (password.encode("latin-1") + _PAD)[:32]


def _rc4_rounds(key: bytes, data: bytes) -> bytes:
    """RC4 with the key, then 19 more times with the key XOR 1…19 (revision 3)."""
    data = _rc4(key, data)
    for round_ in range(1, 20):
        data = _rc4(bytes(byte ^ round_ for byte in key), data)
    return data


def _owner_entry(owner: str, user: str) -> bytes:
    """Algorithm 3: the /O entry."""
    digest = hashlib.md5(_padded(owner)).digest()
    for _ in range(50):
        digest = hashlib.md5(digest[:_KEY_BYTES]).digest()
    return _rc4_rounds(digest[:_KEY_BYTES], _padded(user))


def _file_key(user: str, owner_entry: bytes, file_id: bytes) -> bytes:
    """Algorithm 2: the file's encryption key."""
    digest = hashlib.md5(
        _padded(user) + owner_entry + _PERMISSIONS.to_bytes(4, "little", signed=True) + file_id
    ).digest()
    for _ in range(50):
        digest = hashlib.md5(digest[:_KEY_BYTES]).digest()
    return digest[:_KEY_BYTES]


def _user_entry(key: bytes, file_id: bytes) -> bytes:
    """Algorithm 5: the /U entry (16 significant bytes, padded to 32)."""
    return _rc4_rounds(key, hashlib.md5(_PAD + file_id).digest()) + bytes(16)


def _object_key(key: bytes, number: int) -> bytes:
    """Algorithm 1: the key for the strings and streams of object ``number`` (generation 0)."""
    return hashlib.md5(key + number.to_bytes(3, "little") + (0).to_bytes(2, "little")).digest()[: min(len(key) + 5, 16)]


def write_encrypted_pdf(
    path: Path,
    *,
    user_password: str = "secret",
    owner_password: str = "owner",
    lines: tuple[str, ...] = ("Encrypted budget disclosure", "Performance targets table"),
) -> None:
    """Write a one-page PDF (ASCII ``lines`` in Helvetica) that opens only with ``user_password``."""
    file_id = os.urandom(16)
    owner_entry = _owner_entry(owner_password, user_password)
    key = _file_key(user_password, owner_entry, file_id)
    text = "".join(f"BT /F1 14 Tf 72 {770 - 24 * row} Td ({_escape(line)}) Tj ET\n" for row, line in enumerate(lines))
    content = _rc4(_object_key(key, 5), text.encode("latin-1"))
    title = _rc4(_object_key(key, 7), lines[0].encode("latin-1")).hex().upper()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        + b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Filter /Standard /V 2 /R 3 /Length 128 /P %d /O <%s> /U <%s> >>"
        % (_PERMISSIONS, owner_entry.hex().upper().encode(), _user_entry(key, file_id).hex().upper().encode()),
        b"<< /Title <%s> >>" % title.encode(),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += (
        b"trailer\n<< /Size %d /Root 1 0 R /Info 7 0 R /Encrypt 6 0 R /ID [<%s> <%s>] >>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, file_id.hex().encode(), file_id.hex().encode(), xref)
    )
    path.write_bytes(bytes(out))


def _escape(line: str) -> str:
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
