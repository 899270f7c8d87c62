"""didhub: the phone-number (DID) inventory for service providers, resellers and enterprises."""

__version__ = "0.1.0"
