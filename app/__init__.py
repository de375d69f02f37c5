
__version__ = "0.1.0"  # the capture station (capture_station.__version__) is released with the same number
