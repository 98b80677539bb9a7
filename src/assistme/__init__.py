"""assistme: the backend a personal assistant runs on."""

__version__ = "0.1.0"
