"""The pytest plugin, registered by entry point (`pytest11`: `plugin`), in parts with one job
each: `options` (command line and ini, read into `settings.Settings`), `session` (the state of
one pytest process, in one StashKey), `fixtures`, `markers`, `guard` (the run's own emulator
dying) and `collector` (the run summary and its JSON and HTML reports)."""
