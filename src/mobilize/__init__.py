"""mobilize: interagency support requests and deployment planning."""

__version__ = "0.1.0"
