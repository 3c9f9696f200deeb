"""apprank: a self-hosted App Store ranking tracker."""

__version__ = "0.1.0"
