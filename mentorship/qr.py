"""QR codes, drawn on the server as SVG (no script, no network)."""

import segno


def qr_data_uri(url):
    """An SVG data: URI of a QR code for ``url`` (medium error correction)."""
    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)
