"""The ``opencustoms`` command line face: ``main.py`` builds the typer app, one module per
command group calls the domain packages' service functions and maps domain errors to exit
codes."""
