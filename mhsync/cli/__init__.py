"""The command-line shell: parses options, calls one use-case, renders, maps to an exit code."""
