"""Reading image sizes without an imaging library."""
import struct


def image_size(data: bytes):
    """Width and height from a PNG's IHDR or a JPEG's start-of-frame marker."""
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return struct.unpack(">II", data[16:24])
    assert data[:3] == b"\xff\xd8\xff", "neither PNG nor JPEG"
    i = 2
    while i < len(data):
        marker, length = data[i + 1], struct.unpack(">H", data[i + 2:i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            height, width = struct.unpack(">HH", data[i + 5:i + 9])
            return width, height
        i += 2 + length
    raise AssertionError("no start-of-frame marker")
