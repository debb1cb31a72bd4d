"""The atheris target is a program run by `make fuzz`, not a test module (atheris
is installed only there)."""
collect_ignore = ["atheris_target.py"]
