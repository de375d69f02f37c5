"""Folio capture station: the operator's client at the document-camera PC.

Image source (hot folder or UVC camera) -> local QC -> durable outbox -> uploader -> live screen.
Talks to the Folio server over HTTP only.
"""

__version__ = "0.1.0"
