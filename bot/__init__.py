"""ibanbot: detects interaction-ban breaches and queues them for private review."""

__version__ = "0.1.0"
