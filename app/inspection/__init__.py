"""The vendor's own quality control: inspection queue, re-shoot tasks, repeated pages, defects by source."""
