"""memtwin: from a memristor's measured pulse trains to the inference accuracy of a crossbar built from it."""

__version__ = "0.1.0"
