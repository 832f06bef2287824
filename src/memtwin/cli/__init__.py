"""The ``memtwin`` command line."""
