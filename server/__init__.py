"""App assembly: settings, the Starlette app and its lifespan, the command line."""
