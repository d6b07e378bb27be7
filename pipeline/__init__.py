"""stance: who stands where on a contested event, article by article."""

__version__ = "0.1.0"
