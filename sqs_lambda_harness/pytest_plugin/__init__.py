"""The pytest plugin, registered by entry point (`pytest11`)."""
